import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { familyFiles } from '../../../test/collection';
import { createWorkspace, TestWorkspace } from '../../../test/workspace';
import { snapshotFiles } from '../../../test/file-snapshot';
import { sha1File } from '../../package/read';
import buildExecutor, { batchBuild } from './executor';

describe('build executor', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: familyFiles({ name: 'fam', models: [{ folder: '1.0', pluginId: 'fam-1.0' }, { folder: '2.0', pluginId: 'fam-2.0' }] }),
    });
    ws.graph();
  });
  afterAll(() => ws?.dispose());

  it('builds one model and, with verbose, lists the recipe steps', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const r = await buildExecutor({ verbose: true }, ws.executorContext('fam-1.0', 'build'));
      expect(r.success).toBe(true);
      const lines = log.mock.calls.map((c) => String(c[0]));
      expect(lines).toContain('fam-1.0: native steps (copies, sed)');
      expect(lines).toContain("  rsync -rlp --exclude '.*' common/ $OUT");
      expect(lines.some((l) => /^fam-1\.0 0\.1\.0 -> dist\/packages\/fam-1\.0-0\.1\.0\.tar\.bz2 \(\d+ bytes, sha1 [0-9a-f]{40}\)$/.test(l))).toBe(true);
    } finally {
      log.mockRestore();
    }
    expect(existsSync(ws.path('dist/plugins/fam-1.0/var/tftpboot'))).toBe(true);
  });

  it('a dry run builds into a temporary folder and leaves dist/ as it was', async () => {
    ws.append('plugins/fam/1.0/templates/model.tpl', '<!-- dry -->\n');
    const before = await snapshotFiles(ws.path('dist'), { mtime: true, dirs: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect((await buildExecutor({ dryRun: true }, ws.executorContext('fam-1.0', 'build'))).success).toBe(true);
      const line = log.mock.calls.map((c) => String(c[0])).find((l) => l.startsWith('fam-1.0 '))!;
      const m = /^fam-1\.0 0\.1\.0 -> (\S+) \(\d+ bytes, sha1 ([0-9a-f]{40})\) \(dry run, not in dist\/\)$/.exec(line);
      expect(m, line).not.toBeNull();
      // the edited sources were built (another SHA-1 than dist/'s package), in a folder gone since
      expect(m![2]).not.toBe(await sha1File(ws.path('dist/packages/fam-1.0-0.1.0.tar.bz2')));
      expect(existsSync(m![1])).toBe(false);
    } finally {
      log.mockRestore();
      ws.git('checkout', '--', '.');
    }
    expect(await snapshotFiles(ws.path('dist'), { mtime: true, dirs: true })).toEqual(before);
  });

  it('the batch implementation builds every task in one process and reports each', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const tasks = Object.fromEntries(['fam-1.0', 'fam-2.0'].map((p) => [`${p}:build`, { id: `${p}:build`, target: { project: p, target: 'build' } }]));
      const results = await batchBuild({ tasks, dependencies: {}, roots: Object.keys(tasks) } as any, {}, {}, ws.executorContext('fam-1.0', 'build'));
      expect(Object.keys(results).sort()).toEqual(['fam-1.0:build', 'fam-2.0:build']);
      expect(results['fam-2.0:build']).toMatchObject({ success: true, terminalOutput: expect.stringMatching(/^fam-2\.0 0\.1\.0 -> /) });
    } finally {
      write.mockRestore();
    }
  });

  it('a broken model fails its task only, with the reason', async () => {
    ws.write('plugins/fam/2.0/plugin-info', '{ not json');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const tasks = Object.fromEntries(['fam-1.0', 'fam-2.0'].map((p) => [`${p}:build`, { id: `${p}:build`, target: { project: p, target: 'build' } }]));
      const results = await batchBuild({ tasks, dependencies: {}, roots: Object.keys(tasks) } as any, {}, {}, ws.executorContext('fam-1.0', 'build'));
      expect(results['fam-1.0:build'].success).toBe(true);
      expect(results['fam-2.0:build']).toMatchObject({ success: false, startTime: expect.any(Number), endTime: expect.any(Number), terminalOutput: expect.stringMatching(/^error: plugins\/fam\/2\.0\/plugin-info: not valid JSON/) });
    } finally {
      write.mockRestore();
      ws.git('checkout', '--', '.');
    }
  });

  it("rebuilding id 'x' removes x's older packages but never those of id 'x-3.3.1'", async () => {
    const pws = createWorkspace({
      files: familyFiles({ name: 'x', models: [{ folder: 'a', pluginId: 'x', version: '1.0.0' }, { folder: 'b', pluginId: 'x-3.3.1', version: '0.1.0' }] }),
    });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      pws.graph();
      const tasks = Object.fromEntries(['x', 'x-3.3.1'].map((p) => [`${p}:build`, { id: `${p}:build`, target: { project: p, target: 'build' } }]));
      await batchBuild({ tasks, dependencies: {}, roots: Object.keys(tasks) } as any, {}, {}, pws.executorContext('x', 'build'));
      pws.write('dist/packages/x-0.9.0.tar.bz2', 'an older package of x');
      pws.write('plugins/x/a/plugin-info', pws.read('plugins/x/a/plugin-info').replace('1.0.0', '1.0.1'));
      const again = await batchBuild({ tasks: { 'x:build': tasks['x:build'] }, dependencies: {}, roots: ['x:build'] } as any, {}, {}, pws.executorContext('x', 'build'));
      expect(again['x:build'].success).toBe(true);
      expect(readdirSync(pws.path('dist/packages')).sort()).toEqual(['x-1.0.1.tar.bz2', 'x-3.3.1-0.1.0.tar.bz2']);
    } finally {
      write.mockRestore();
      pws.dispose();
    }
  });
});
