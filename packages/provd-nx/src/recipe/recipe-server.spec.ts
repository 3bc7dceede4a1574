import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTargetWithPython } from './recipe';
import { buildTargetInServer } from './recipe-server';
import { useTempDir } from '../../test/temp';

/** Every file under `dir` with its content and mode, for comparing two builds. */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = statSync(join(dir, r));
    if (st.isDirectory()) Object.assign(out, { [`${r}/`]: (st.mode & 0o777).toString(8) }, tree(dir, r));
    else out[r] = `${(st.mode & 0o777).toString(8)} ${readFileSync(join(dir, r), 'utf8')}`;
  }
  return out;
}

// Targets that change what a later recipe in the same python3 would see: the working
// directory, the environment, the umask, a patched module, an imported module, stdin.
const RECIPE = `
import os, subprocess, sys, json, shutil

def facts(path):
    with open(os.path.join(path, 'facts.json'), 'w') as f:
        json.dump({'cwd': os.path.basename(os.getcwd()), 'env': os.environ.get('RECIPE_SPEC'),
                   'umask': oct(os.umask(0o022)), 'copy': shutil.copy.__name__,
                   'imported': 'this_spec_module' in sys.modules, 'stdin': sys.stdin.read()}, f)

@target('messy', 'f-messy')
def messy(path):
    facts(path)
    os.environ['RECIPE_SPEC'] = 'left by messy'
    os.umask(0o077)
    shutil.copy = lambda *a, **k: None
    sys.modules['this_spec_module'] = sys
    os.chdir('/')

@target('clean', 'f-clean')
def clean(path):
    facts(path)
    subprocess.check_call(['rsync', '-rlp', 'common/', path])
    subprocess.check_call('cat > ' + os.path.join(path, 'from-stdin'), shell=True)

@target('exits', 'f-exits')
def exits(path):
    sys.exit(3)

@target('dies', 'f-dies')
def dies(path):
    os.kill(os.getpid(), 9)
`;

describe('recipe.py --serve: one python3 for many recipes', () => {
  const base = useTempDir('provd-recipe-server-');
  /** a new folder each call */
  const tmp = () => mkdtempSync(join(base(), 'd-'));

  function family(): string {
    const root = tmp();
    mkdirSync(join(root, 'common'));
    writeFileSync(join(root, 'build.py'), RECIPE);
    writeFileSync(join(root, 'common', 'a.txt'), 'a\n');
    return root;
  }

  it('builds what a python3 of its own builds, each recipe as if it ran first', async () => {
    const root = family();
    const alone = join(tmp(), 'clean');
    expect((await buildTargetWithPython(root, 'clean', alone)).error).toBeUndefined();
    // the same server (one at a time here) runs the messy recipe, then the clean one
    const messy = join(tmp(), 'messy');
    expect((await buildTargetInServer(root, 'messy', messy)).error).toBeUndefined();
    const served = join(tmp(), 'clean');
    expect((await buildTargetInServer(root, 'clean', served)).error).toBeUndefined();
    expect(tree(served)).toEqual(tree(alone));
    const facts = JSON.parse(readFileSync(join(served, 'facts.json'), 'utf8'));
    expect(facts).toMatchObject({ env: null, copy: 'copy', imported: false, stdin: '' });
    expect(facts.cwd).toBe(root.split('/').pop());
    expect(readFileSync(join(served, 'from-stdin'), 'utf8')).toBe('');
  });

  it('a recipe that exits fails alone; one that kills its python3 fails with a message, and the next recipe gets a new one', async () => {
    const root = family();
    const exited = await buildTargetInServer(root, 'exits', join(tmp(), 'exits'));
    expect(exited.error?.message).toMatch(/sys\.exit\(3\)/);
    await expect(buildTargetInServer(root, 'dies', join(tmp(), 'dies'))).rejects.toThrow(
      /running target 'dies' of .*build\.py: .*recipe\.py exited with code null and no reply/
    );
    const after = join(tmp(), 'clean');
    expect((await buildTargetInServer(root, 'clean', after)).error).toBeUndefined();
    expect(readFileSync(join(after, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('a recipe sees the environment of the caller now, not the one a kept python3 started with', async () => {
    const root = family();
    const envOf = async () => {
      const out = join(tmp(), 'clean');
      expect((await buildTargetInServer(root, 'clean', out)).error).toBeUndefined();
      return JSON.parse(readFileSync(join(out, 'facts.json'), 'utf8')).env;
    };
    expect(await envOf()).toBe(null);
    process.env.RECIPE_SPEC = 'set by the caller';
    try {
      expect(await envOf()).toBe('set by the caller');
    } finally {
      delete process.env.RECIPE_SPEC;
    }
    expect(await envOf()).toBe(null);
  });

  it('concurrent requests each get their own server', async () => {
    const root = family();
    const outs = [0, 1, 2].map(() => join(tmp(), 'clean'));
    const results = await Promise.all(outs.map((o) => buildTargetInServer(root, 'clean', o)));
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    for (const o of outs) expect(readFileSync(join(o, 'a.txt'), 'utf8')).toBe('a\n');
  });
});
