/**
 * sed steps as recipes write them, recorded by recipe.py and analyzed: the shapes
 * that are provably a sed's whole output into a plugin file are replayed natively
 * and give the same package bytes as the recipe run by python3 with the real sed;
 * every shape where the recipe itself also writes that file, or runs sed otherwise,
 * stays on python3. A native step that cannot stand for sed at build time (its
 * output is a symlink) falls back to python3 with the same bytes.
 */
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/build/build';
import { familyModel } from '../src/build/model';
import { analyzeFamily, FamilyRecipe } from '../src/recipe/family';
import { recordFamilies } from '../src/recipe/recipe';
import { useTempDir } from './temp';

const COPY_COMMON = "check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', '*.btpl', 'common/', path])";
const COPY_MODEL = "check_call(['rsync', '-rlp', '--exclude', '.*', 'm/', path])";
const OUT = (file: string) => `os.path.join(path, 'templates', '${file}')`;
const SED = "['sed', 's/#MODEL#/m&1/g', 'common/templates/t.btpl']";

/** name -> [replay expected from the recording, body of the target function after the common/ copy] */
const CASES: Record<string, ['native' | 'python', string[]]> = {
  // the real collections' shape: its folder exists only once the copy ran, so recipe.py runs it for real
  'with-open': ['native', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, `    check_call(${SED}, stdout=f)`]],
  'pathlib-text-several-e': [
    'native',
    [
      "with (Path(path) / 'templates' / 'gen.tpl').open('w') as f:",
      "    check_call(['sed', '-e', 's/#MODEL#/x/', '-e', 's/^/> /;s/$/ </', 'common/templates/t.btpl'], stdout=f)",
    ],
  ],
  'run-and-call': [
    'native',
    [
      `with open(${OUT('a.tpl')}, 'wb') as f:`,
      `    subprocess.run(${SED}, stdout=f, check=True)`,
      `with open(${OUT('b.tpl')}, 'wb') as f:`,
      "    subprocess.call(['sed', '--expression=s/@F@/2.0/', 'common/templates/base.tpl'], stdout=f)",
    ],
  ],
  'shell-line': ['native', [`check_call('sed -e "s/@F@/1.0/g" common/templates/base.tpl > %s' % shlex.quote(${OUT('base.tpl')}), shell=True)`]],
  'os-system': ['native', [`os.system("sed 's/#MODEL#/sys/' common/templates/t.btpl > %s" % ${OUT('sys.tpl')})`]],
  // overlaid by the model folder's copy that follows: order kept
  'overlaid-later': ['native', [`check_call('sed s/@F@/x/ common/templates/base.tpl > %s' % ${OUT('over.tpl')}, shell=True)`]],
  // at build time: the output is a symlink the copy made, so the real sed writes through it
  'output-symlink': ['native', [`check_call('sed s/@F@/linked/ common/templates/base.tpl > %s' % ${OUT('link.tpl')}, shell=True)`]],
  'write-before': ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, "    f.write(b'# header\\n')", `    check_call(${SED}, stdout=f)`]],
  'flushed-before': ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, "    f.write(b'# header\\n')", '    f.flush()', `    check_call(${SED}, stdout=f)`]],
  'write-after': ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, `    check_call(${SED}, stdout=f)`, "    f.write(b'# footer\\n')"]],
  append: ['python', [`with open(${OUT('base.tpl')}, 'ab') as f:`, `    check_call(${SED}, stdout=f)`]],
  'two-commands-one-file': ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, `    check_call(${SED}, stdout=f)`, `    check_call(${SED}, stdout=f)`]],
  'env-argument': ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, `    check_call(${SED}, stdout=f, env=dict(os.environ, LC_ALL='C'))`]],
  'environment-changed': ['python', ["os.environ['POSIXLY_CORRECT'] = '1'", `os.system("sed 's/#MODEL#/sys/' common/templates/t.btpl > %s" % ${OUT('sys.tpl')})`]],
  'script-outside-subset': ['python', [`check_call('sed -n "s/#MODEL#/x/p" common/templates/t.btpl > %s' % ${OUT('gen.tpl')}, shell=True)`]],
  'shell-pipe': ['python', [`check_call('sed s/#MODEL#/x/ common/templates/t.btpl | cat > %s' % ${OUT('gen.tpl')}, shell=True)`]],
  popen: ['python', [`with open(${OUT('gen.tpl')}, 'wb') as f:`, `    Popen(${SED}, stdout=f).wait()`]],
  'unpatched-process': ['python', [`os.spawnlp(os.P_WAIT, 'sed', 'sed', '-i', 's/@F@/x/', ${OUT('base.tpl')})`]],
  'file-opened-unused': ['python', [`open(${OUT('empty.tpl')}, 'w').close()`, `check_call('sed s/@F@/x/ common/templates/base.tpl > %s' % ${OUT('x.tpl')}, shell=True)`]],
  // a copy whose output goes to a plugin file: that file is no copy step's
  'copy-output-to-a-file': ['python', [`with open(${OUT('copy.log')}, 'w') as f:`, "    check_call(['rsync', '-rlpv', 'm/', path], stdout=f)"]],
};

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

describe('sed steps of recorded recipes', () => {
  const tmp = useTempDir('provd-sed-replay-');
  let root: string;
  const recipes = new Map<string, FamilyRecipe>();

  beforeAll(async () => {
    root = realpathSync(tmp());
    for (const [name, [, body]] of Object.entries(CASES)) {
      const dir = join(root, 'plugins', name);
      write(
        join(dir, 'build.py'),
        [
          'import os, shlex, subprocess',
          'from pathlib import Path',
          'from subprocess import check_call, Popen',
          '',
          `@target('m', '${name}-m')`,
          'def build_m(path):',
          `    ${COPY_COMMON}`,
          ...body.map((l) => `    ${l}`),
          `    ${COPY_MODEL}`,
          '',
        ].join('\n')
      );
      write(join(dir, 'common', 'templates', 't.btpl'), 'id #MODEL#\nfw @F@ #MODEL# #MODEL#\n\nété #MODEL#\r\nno newline #MODEL#');
      write(join(dir, 'common', 'templates', 'base.tpl'), '<fw v="@F@"/>\r\n<x/>\n');
      symlinkSync('base.tpl', join(dir, 'common', 'templates', 'link.tpl'));
      write(join(dir, 'm', 'plugin-info'), JSON.stringify({ version: '1.0.0', description: name, capabilities: {} }) + '\n');
      write(join(dir, 'm', 'templates', 'over.tpl'), 'from the model folder\n');
    }
    const dirs = Object.keys(CASES).map((name) => join(root, 'plugins', name));
    const recorded = await recordFamilies(dirs);
    for (const name of Object.keys(CASES)) recipes.set(name, analyzeFamily(root, `plugins/${name}`, recorded[join(root, 'plugins', name)]));
  });

  it('replays natively exactly the shapes that are a sed output alone', () => {
    const got = Object.fromEntries([...recipes].map(([name, r]) => [name, r.models[0].replay]));
    expect(got).toEqual(Object.fromEntries(Object.entries(CASES).map(([name, [replay]]) => [name, replay])));
    expect(recipes.get('with-open')!.models[0].steps.filter((s) => 'sed' in s)).toEqual([
      {
        sed: {
          input: 'common/templates/t.btpl',
          output: 'templates/gen.tpl',
          program: [{ literal: '#MODEL#', atStart: false, atEnd: false, replacement: [{ text: 'm' }, { match: true }, { text: '1' }], global: true }],
        },
      },
    ]);
    expect(recipes.get('with-open')!.models[0].commands[1]).toBe("sed 's/#MODEL#/m&1/g' common/templates/t.btpl > $OUT/templates/gen.tpl");
  });

  it('a native replay gives the bytes of the recipe run by python3 with the real sed', async () => {
    for (const [name, [replay]] of Object.entries(CASES)) {
      if (replay !== 'native') continue;
      const recipe = recipes.get(name)!;
      const model = recipe.models[0];
      const native = await buildModel(root, familyModel(recipe, model, ''), `dist-native`);
      const python = await buildModel(root, familyModel(recipe, { ...model, replay: 'python', steps: [] }, ''), `dist-python`);
      expect(python.replay).toBe('python');
      // a symlinked output: the build fell back to python3
      expect(native.replay, name).toBe(name === 'output-symlink' ? 'python' : 'native');
      expect(native.sha1, name).toBe(python.sha1);
    }
  });
});
