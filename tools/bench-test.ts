/**
 * The `test` case of the build benchmark: the sample families (real provd plugins, unlike the
 * generated collection) copied `copies` times under other family names and plugin ids, then
 * `nx run-many -t test` cold (pytest, every package in the real provd, snapshots written: the
 * copies start without them) and with every task a cache hit. Needs the real provd
 * (PROVD_PYTHONPATH, else ../shared/provd/pythonpath beside the repository).
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../packages/provd-nx/test/repo-root';
import { createWorkspace } from '../packages/provd-nx/test/workspace';
import { provdPythonPathForSpecs } from '../packages/provd-nx/test/provd-pythonpath';
import { measure, Measure, nxArgs } from './bench-lib';

export interface TestBench {
  models: number;
  projects: number;
  cold: Measure;
  hit: Measure;
}

export function benchTest(copies: number): TestBench {
  const ws = createWorkspace({ commit: false });
  try {
    for (let k = 0; k < copies; k++) {
      for (const family of readdirSync(join(REPO_ROOT, 'plugins'))) {
        const to = ws.path('plugins', `b${k}-${family}`);
        cpSync(join(REPO_ROOT, 'plugins', family), to, { recursive: true, verbatimSymlinks: true });
        // other plugin ids: every id the sample recipes declare starts with xivo-
        const recipe = readFileSync(join(to, 'build.py'), 'utf8');
        writeFileSync(join(to, 'build.py'), recipe.replace(/'xivo-/g, `'b${k}-xivo-`));
        // the copy's tests import it under its own name (plugins.b3_xivo_cisco_spa)
        const alias = (name: string) => `plugins.${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        for (const entry of readdirSync(to, { withFileTypes: true })) {
          if (!entry.isDirectory()) continue;
          rmSync(join(to, entry.name, '__provd__'), { recursive: true, force: true });
          const tests = join(to, entry.name, 'tests');
          for (const file of existsSync(tests) ? readdirSync(tests).filter((f) => f.endsWith('.py')) : []) {
            const text = readFileSync(join(tests, file), 'utf8');
            writeFileSync(join(tests, file), text.split(alias(family)).join(alias(`b${k}-${family}`)));
          }
        }
      }
    }
    ws.commit('copies of the sample families');
    // the cold run writes the copies' snapshots: never under CI=true, where missing ones fail
    const env = { PROVD_PYTHONPATH: provdPythonPathForSpecs(), CI: '' };
    const run = nxArgs(ws, 'run-many', '-t', 'test', '--outputStyle=static');
    measure(ws, nxArgs(ws, 'run-many', '-t', 'build', '--outputStyle=static'), env);
    // cold: every model's pytest and smoke test, snapshots written (first run)
    const cold = measure(ws, run, env);
    // the snapshots just written are inputs: one run takes them in, the next is all hits
    measure(ws, run, env);
    const hit = measure(ws, run, env);
    const summary = JSON.parse(readFileSync(ws.path('dist/.provd/test-summary.json'), 'utf8')) as Array<{ project: string }>;
    // shared folders are <family>/<folder>; plugin ids hold no '/'
    return { models: summary.filter((r) => !r.project.includes('/')).length, projects: summary.length, cold, hit };
  } finally {
    ws.dispose();
  }
}
