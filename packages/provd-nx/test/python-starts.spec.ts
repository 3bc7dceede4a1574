import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readPackage } from '../src/package/read';
import { familyFiles, pluginInfo } from './collection';
import { createWorkspace } from './workspace';

const MODELS = 8;

describe('recipes run under python3 in a batch', () => {
  it('share one python3 per lane instead of starting one each, and each builds its own model', async () => {
    const files = familyFiles({ name: 'py', models: [{ folder: '1', pluginId: 'py-1' }] });
    // a shell step makes a target a python replay: the recipe runs under python3
    for (let i = 2; i <= MODELS; i++) {
      files['plugins/py/build.py'] +=
        `\n@target("${i}", "py-${i}")\ndef build_${i}(path):\n` +
        "    check_call(['rsync', '-rlp', 'common/', path])\n" +
        "    check_call('true', shell=True)\n" +
        `    check_call(['rsync', '-rlp', '${i}/', path])\n` +
        `    open(path + '/made-by', 'w').write('${i}')\n`;
      files[`plugins/py/${i}/plugin-info`] = pluginInfo(`model ${i}`, '0.1.0');
    }
    const ws = createWorkspace({ files });
    try {
      // a python3 that notes each start (its arguments) before running the real one
      const real = execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim();
      const starts = ws.path('python3-starts');
      const shim = ws.path('python3-shim');
      writeFileSync(shim, `#!/bin/sh\necho "$*" >> '${starts}'\nexec '${real}' "$@"\n`);
      chmodSync(shim, 0o755);
      const env = { PROVD_PYTHON: shim };
      ws.nxOk(['show', 'projects'], env); // recording, before counting
      for (let i = 2; i <= MODELS; i++) expect(ws.project(`py-${i}`).metadata.provd.replay).toBe('python');
      rmSync(starts, { force: true });
      ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static'], env);
      const lines = existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter(Boolean) : [];
      const servers = lines.filter((l) => l.endsWith('recipe.py --serve'));
      // one python3 per lane at most (the build batch runs availableParallelism() + 1 at a time)
      expect(servers.length).toBeGreaterThanOrEqual(1);
      expect(servers.length).toBeLessThanOrEqual(Math.min(MODELS - 1, availableParallelism() + 1));
      expect(lines).toEqual(servers);
      for (let i = 2; i <= MODELS; i++) {
        const pkg = await readPackage(ws.path(`dist/packages/py-${i}-0.1.0.tar.bz2`));
        expect(pkg.read(`py-${i}/made-by`)!.toString()).toBe(String(i));
        expect(JSON.parse(pkg.read(`py-${i}/plugin-info`)!.toString()).description).toBe(`model ${i}`);
      }
    } finally {
      ws.dispose();
    }
  });
});
