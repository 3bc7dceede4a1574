/**
 * dist/plugins/<id>/ is not a cached output: after a run, builds restored from
 * the cache get their folder unpacked from the package, unless the folder
 * beside its stamp already belongs to that build.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyFiles } from './collection';
import { createWorkspace, TestWorkspace } from './workspace';

const build = ['run-many', '-t', 'build', '--outputStyle=static'];

describe('plugin folders after cache hits', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: familyFiles({ name: 'fold', models: [{ folder: '1.0', pluginId: 'fold-1.0' }, { folder: '2.0', pluginId: 'fold-2.0' }] }),
    });
    ws.nxOk(build);
  });
  afterAll(() => ws?.dispose());

  it('the build writes the folder and its stamp; the cache holds only the package', () => {
    expect(readdirSync(ws.path('dist/plugins')).sort()).toEqual(['.fold-1.0.built-from', '.fold-2.0.built-from', 'fold-1.0', 'fold-2.0']);
    expect(ws.read('dist/plugins/.fold-1.0.built-from')).toMatch(/^[0-9a-f]{40}\n$/);
    const project = ws.project('fold-1.0');
    expect(project.targets.build.outputs).toEqual(['{workspaceRoot}/dist/packages/fold-1.0-0.1.0.tar.bz2']);
  });

  it('a cache hit leaves a folder stamped with its own package alone', () => {
    writeFileSync(ws.path('dist/plugins/fold-1.0/marker'), 'left alone');
    const r = ws.nxOk(build);
    expect(r.output).toMatch(/Nx read the output from the cache instead of running the command for 2 out of/);
    expect(existsSync(ws.path('dist/plugins/fold-1.0/marker'))).toBe(true);
  });

  it('a cache hit whose folder is missing or stamped with another package gets it unpacked from the package', () => {
    const good = ws.read('dist/plugins/fold-2.0/templates/model.tpl');
    ws.run('rm', ['-rf', ws.path('dist/plugins/fold-2.0')]);
    writeFileSync(ws.path('dist/plugins/.fold-1.0.built-from'), 'another build\n');
    const r = ws.nxOk(build);
    expect(r.output).toMatch(/Nx read the output from the cache instead of running the command for 2 out of/);
    expect(existsSync(ws.path('dist/plugins/fold-1.0/marker'))).toBe(false);
    expect(existsSync(ws.path('dist/plugins/fold-1.0/var/tftpboot'))).toBe(true);
    expect(ws.read('dist/plugins/fold-2.0/templates/model.tpl')).toBe(good);
    expect(ws.read('dist/plugins/.fold-1.0.built-from')).toMatch(/^[0-9a-f]{40}\n$/);
  });
});
