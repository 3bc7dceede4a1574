import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordedTarget } from './recipe';
import { analyzeFamily } from './family';
import { useTempDir } from '../../test/temp';

const rsync = (src: string, out = '/out/x'): RecordedTarget['commands'] extends (infer C)[] | undefined ? C : never => ({
  argv: ['rsync', '-rlp', '--exclude', '.*', src, out],
  shell: false,
  cwd: '.',
  reads: [src.replace(/\/$/, '')],
});

describe('family analysis', () => {
  const tmp = useTempDir('provd-family-');
  let root: string;
  beforeAll(() => {
    root = tmp();
    for (const d of ['common', 'common_c', '1.0', 'src-2', 'a\\b 2.0']) mkdirSync(join(root, 'plugins/f', d), { recursive: true });
    writeFileSync(join(root, 'plugins/f/build.py'), '');
  });

  const target = (targetId: string, commands: NonNullable<RecordedTarget['commands']>, out = '/out/x'): RecordedTarget => ({
    targetId,
    pluginId: `f-${targetId}`,
    stdDirs: true,
    function: 'f',
    replay: 'commands',
    out,
    commands,
    reads: [],
  });

  it('finds model folders (by target id, else the folder only it reads) and shared folders', () => {
    const family = analyzeFamily(root, 'plugins/f', {
      targets: [target('1.0', [rsync('common/'), rsync('1.0/')]), target('2.0', [rsync('common_c/'), rsync('src-2/')])],
    });
    expect(family.models.map((m) => [m.pluginId, m.folder, m.replay])).toEqual([
      ['f-1.0', '1.0', 'native'],
      ['f-2.0', 'src-2', 'native'],
    ]);
    expect(family.sharedFolders).toEqual(['common', 'common_c']);
    expect(family.models[0].steps[0].copy.sources).toEqual(['common/']);
    expect(family.models[0].commands[0]).toBe("rsync -rlp --exclude '.*' common/ $OUT");
  });

  it('a model folder whose name holds a backslash is one folder (POSIX names; found by the fuzz spec)', () => {
    const family = analyzeFamily(root, 'plugins/f', { targets: [{ ...target('a\\b 2.0', [rsync('common/'), rsync('a\\b 2.0/')]), pluginId: 'f-2.0' }] });
    expect(family.models.map((m) => [m.folder, m.reads])).toEqual([['a\\b 2.0', ['common', 'a\\b 2.0']]]);
  });

  it('a shell step makes the model a python replay', () => {
    const sed = { argv: 'sed -e s/a/b/ common/x > /out/x/x', shell: true, cwd: '.', reads: ['common/x'] };
    const family = analyzeFamily(root, 'plugins/f', { targets: [target('1.0', [rsync('common/'), sed, rsync('1.0/')])] });
    expect(family.models[0].replay).toBe('python');
    expect(family.models[0].steps).toEqual([]);
  });

  it('names build.py and the target in every error', () => {
    const bad = (targets: RecordedTarget[]) => () => analyzeFamily(root, 'plugins/f', { targets });
    expect(bad([target('1.0', [rsync('../other/')])])).toThrow("plugins/f/build.py: target '1.0' (f-1.0) copies '../other/', which is outside the family folder");
    // 1.1 only overlays 1.0's folder: it has no folder of its own
    expect(bad([target('1.0', [rsync('1.0/')]), target('1.1', [rsync('1.0/')])])).toThrow(
      "plugins/f/build.py: target '1.1' (f-1.1): no model folder found (expected a folder named '1.1' that the recipe copies; it reads '1.0/')"
    );
    expect(bad([])).toThrow('plugins/f/build.py: declares no @target');
    expect(() => analyzeFamily(root, 'plugins/f', { error: { message: 'SyntaxError: invalid syntax (build.py line 3)' } })).toThrow(
      'plugins/f/build.py: failed to load: SyntaxError: invalid syntax (build.py line 3)'
    );
  });
});
