import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordedCommand, RecordedTarget } from './recipe';
import { analyzeFamily, CopyStep } from './family';
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
    for (const d of ['common', 'common_c', '1.0', 'src-2', 'a\\b 2.0', 'g']) mkdirSync(join(root, 'plugins', d === 'g' ? 'g' : `f/${d}`), { recursive: true });
    writeFileSync(join(root, 'plugins/f/build.py'), '');
    writeFileSync(join(root, 'plugins/f/common/t.tpl'), 'v @F@\n');
    writeFileSync(join(root, 'plugins/g/t.tpl'), 'v @F@\n');
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
    expect((family.models[0].steps[0] as CopyStep).copy.sources).toEqual(['common/']);
    expect(family.models[0].commands[0]).toBe("rsync -rlp --exclude '.*' common/ $OUT");
  });

  it('a model folder whose name holds a backslash is one folder (POSIX names; found by the fuzz spec)', () => {
    const family = analyzeFamily(root, 'plugins/f', { targets: [{ ...target('a\\b 2.0', [rsync('common/'), rsync('a\\b 2.0/')]), pluginId: 'f-2.0' }] });
    expect(family.models.map((m) => [m.folder, m.reads])).toEqual([['a\\b 2.0', ['common', 'a\\b 2.0']]]);
  });

  it('a shell step makes the model a python replay', () => {
    const shell = { argv: 'echo x > /out/x/x', shell: true, cwd: '.', reads: [], plain: true };
    const family = analyzeFamily(root, 'plugins/f', { targets: [target('1.0', [rsync('common/'), shell, rsync('1.0/')])] });
    expect(family.models[0].replay).toBe('python');
    expect(family.models[0].steps).toEqual([]);
  });

  it('a sed of one family file into one plugin file is a native step; any other sed keeps python', () => {
    const sed = (argv: string[] | string, more: Partial<RecordedCommand> = {}): RecordedCommand => ({
      argv,
      shell: typeof argv === 'string',
      cwd: '.',
      reads: ['common/t.tpl'],
      plain: true,
      ...more,
    });
    const replay = (cmd: RecordedCommand) => analyzeFamily(root, 'plugins/f', { targets: [target('1.0', [rsync('common/'), cmd, rsync('1.0/')])] }).models[0];
    const program = [{ literal: '@F@', atStart: false, atEnd: false, replacement: [{ text: '1.0' }], global: true }];
    const shellLine = replay(sed(`sed -e "s/@F@/1.0/g" common/t.tpl > '/out/x/templates/t.tpl'`));
    expect(shellLine.replay).toBe('native');
    expect(shellLine.steps[1]).toEqual({ sed: { input: 'common/t.tpl', output: 'templates/t.tpl', program } });
    const withStdout = replay(sed(['sed', 's/@F@/1.0/g', 'common/t.tpl'], { stdout: 'templates/t.tpl' }));
    expect(withStdout.steps[1]).toEqual(shellLine.steps[1]);
    expect(withStdout.commands[1]).toBe("sed s/@F@/1.0/g common/t.tpl > $OUT/templates/t.tpl");
    for (const [why, cmd] of [
      ['no stdout file', sed(['sed', 's/@F@/1.0/g', 'common/t.tpl'])],
      ['not plain (env=, or the environment changed)', sed(['sed', 's/@F@/1.0/g', 'common/t.tpl'], { stdout: 't.tpl', plain: false })],
      ['an input that does not exist', sed(['sed', 's/@F@/1.0/g', 'common/missing.tpl'], { stdout: 't.tpl' })],
      ['an input outside the family', sed(['sed', 's/@F@/1.0/g', '../g/t.tpl'], { stdout: 't.tpl' })],
      ['an output outside the plugin', sed('sed s/@F@/1.0/g common/t.tpl > /out/y/t.tpl')],
      ['no redirection', sed('sed s/@F@/1.0/g common/t.tpl')],
      ['both a redirection and a stdout file', sed('sed s/@F@/1.0/g common/t.tpl > /out/x/t.tpl', { stdout: 'u.tpl' })],
      ['a script outside the subset', sed(['sed', 's/@F@.*/1.0/g', 'common/t.tpl'], { stdout: 't.tpl' })],
    ] as const) {
      expect(replay(cmd).replay, why).toBe('python');
    }
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
