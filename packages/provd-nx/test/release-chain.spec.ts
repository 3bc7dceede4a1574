/**
 * A model's build -> version -> publish chain runs in one Nx batch process: the three targets
 * share the release executor, and Nx batches tasks only by executor. Each task keeps its own
 * cache entry, a failed step skips only what depends on it, and the bytes are those the
 * per-step executors build (kept when nx.json's targetDefaults name them).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileTotals } from '../src/runtime/profile';
import { failedTasks } from './tasks';
import { createWorkspace, TestWorkspace } from './workspace';

const STARTS = 'batch process start-up (until the executor runs)';
const FAMILIES = ['xivo-cisco-spa', 'xivo-snom'];
const MODELS = 11;

/** Runs nx with PROVD_PROFILE and returns its output and our profile's totals. */
function profiledRun(ws: TestWorkspace, args: string[]) {
  const file = ws.path('profile.jsonl');
  writeFileSync(file, '');
  const r = ws.nx([...args, '--outputStyle=static'], { PROVD_PROFILE: file });
  return { ...r, profile: profileTotals(readFileSync(file, 'utf8')) };
}

/** Every package in dist/packages with its SHA-1. */
function packages(ws: TestWorkspace): Record<string, string> {
  const dir = ws.path('dist/packages');
  return Object.fromEntries(readdirSync(dir).map((f) => [f, createHash('sha1').update(readFileSync(join(dir, f))).digest('hex')]));
}

describe('one batch process per publish chain', () => {
  let ws: TestWorkspace;
  let first: ReturnType<typeof profiledRun>;
  beforeAll(() => {
    ws = createWorkspace({ families: FAMILIES });
    first = profiledRun(ws, ['run-many', '-t', 'publish']);
  });
  afterAll(() => ws?.dispose());

  it('runs every model build, version and publish in one process, in order', () => {
    expect(first.code, first.output).toBe(0);
    expect(first.profile.get(STARTS)?.count).toBe(1);
    expect(first.profile.get('batch of build+publish+version tasks (wall)')?.count).toBe(1);
    for (const step of ['build', 'version', 'publish']) expect(first.profile.get(`task: ${step} (summed)`)?.count, step).toBe(MODELS);
    const db = JSON.parse(ws.read('dist/repository/testing/plugins.db'));
    expect(Object.keys(db)).toHaveLength(MODELS);
    // publish read what the build of the same process wrote: the index holds the package's SHA-1
    const pkgs = packages(ws);
    for (const entry of Object.values<any>(db)) expect(pkgs[entry.filename], entry.filename).toBe(entry.sha1sum);
  });

  it('keeps a cache entry per build task', () => {
    const again = profiledRun(ws, ['run-many', '-t', 'build']);
    expect(again.code, again.output).toBe(0);
    // the families' builds are nx:noop tasks, cached too
    expect(again.output).toMatch(/Nx read the output from the cache instead of running the command for \d+ out of \d+ tasks/);
    const hits = Number(/for (\d+) out of (\d+) tasks/.exec(again.output)![1]);
    expect(hits).toBeGreaterThanOrEqual(MODELS);
    expect(again.profile.get(STARTS)).toBeUndefined();
  });

  it('a failed version skips that model publish only; the other chains of the batch publish', () => {
    ws.append('plugins/xivo-snom/8.7.3/templates/720.tpl', '\n<!-- fix -->\n');
    ws.commit('change 8.7.3');
    const before = JSON.parse(ws.read('dist/repository/testing/plugins.db'));
    // --check: 8.7.3 changed without a bump, so its version task fails
    const r = profiledRun(ws, ['run-many', '-t', 'publish', '--projects=xivo-snom-8.7.3,xivo-snom-8.7.5,xivo-cisco-spa-7.5.5', '--check']);
    expect(r.code).not.toBe(0);
    expect(failedTasks(r.output)).toEqual(['xivo-snom-8.7.3:version']);
    expect(r.output).toMatch(/Tasks not run because their dependencies failed[^]*- xivo-snom-8\.7\.3:publish/);
    expect(r.output).toMatch(/xivo-snom-8\.7\.5 0\.9\.1: already-published/);
    expect(r.output).toMatch(/xivo-cisco-spa-7\.5\.5 0\.5\.2: already-published/);
    expect(r.profile.get(STARTS)?.count).toBe(1);
    // nothing published changed
    expect(JSON.parse(ws.read('dist/repository/testing/plugins.db'))).toEqual(before);
  });

  it('targetDefaults naming a step executor keep the per-step executors, their options applied, the same bytes', () => {
    const other = createWorkspace({ families: FAMILIES, commit: false });
    try {
      const nxJson = JSON.parse(other.read('nx.json'));
      nxJson.targetDefaults = { '@provd/nx:publish': { options: { repository: 'dist/elsewhere', createRepository: true } } };
      other.write('nx.json', JSON.stringify(nxJson, null, 2) + '\n');
      other.commit('initial');
      const shown = JSON.parse(other.nxOk(['show', 'project', 'xivo-snom-8.7.3', '--json']).stdout);
      expect(shown.targets.publish.executor).toBe('@provd/nx:publish');
      expect(shown.targets.publish.options).toMatchObject({ repository: 'dist/elsewhere', createRepository: true });
      const r = profiledRun(other, ['run-many', '-t', 'publish']);
      expect(r.code, r.output).toBe(0);
      // one batch process per executor: build, version, publish
      expect(r.profile.get(STARTS)?.count).toBe(3);
      expect(Object.keys(JSON.parse(other.read('dist/elsewhere/testing/plugins.db')))).toHaveLength(MODELS);
      // the bytes do not depend on which executor built them (ws has 8.7.3 changed since: compare the others)
      const chained = packages(ws);
      const perStep = packages(other);
      for (const [file, sha1] of Object.entries(perStep)) if (!file.startsWith('xivo-snom-8.7.3-')) expect(chained[file], file).toBe(sha1);
      expect(Object.keys(perStep)).toHaveLength(MODELS);
    } finally {
      other.dispose();
    }
  });

  it('the inferred targets share the release executor, each with its step', () => {
    const shown = JSON.parse(ws.nxOk(['show', 'project', 'xivo-snom-8.7.3', '--json']).stdout);
    for (const step of ['build', 'version', 'publish']) {
      expect(shown.targets[step], step).toMatchObject({ executor: '@provd/nx:release', options: { step } });
    }
  });
});
