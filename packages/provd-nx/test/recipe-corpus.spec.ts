/**
 * The recipe corpus (test/corpus/<family>/): recipe patterns real collections use,
 * each family built by our tool and compared file by file with the reference way,
 * and recorded in every order and every pair in one python process with the same
 * result as alone.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/build/build';
import { familyModel } from '../src/build/model';
import { analyzeFamily, FamilyRecipe } from '../src/recipe/family';
import { packageFileName } from '../src/format/package-name';
import { readPluginInfo } from '../src/format/plugin-info';
import { recordFamilies } from '../src/recipe/recipe';
import { packageSnapshot, PackageSnapshot, referencePackages } from './reference-builder';
import { createWorkspace, TestWorkspace } from './workspace';

const CORPUS = join(__dirname, 'corpus');
const FAMILIES = readdirSync(CORPUS).sort();

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Run `fn` over `items`, `width` at a time (python startup is mostly waiting). */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    })
  );
}

/** Folders of a corpus family holding a plugin-info: its models. */
function modelFolders(familyDir: string): string[] {
  return readdirSync(familyDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(familyDir, d.name, 'plugin-info')))
    .map((d) => d.name)
    .sort();
}

describe('recipe corpus', () => {
  let root: string;
  const familyDir = (family: string) => join(root, 'plugins', family);
  /** each family recorded alone in its own python process */
  const alone = new Map<string, FamilyRecipe>();
  /** package file name -> snapshot, the reference way */
  const reference = new Map<string, PackageSnapshot>();

  /** Record `families` in one python process and analyze each. */
  async function record(families: string[]): Promise<Map<string, FamilyRecipe>> {
    const recorded = await recordFamilies(families.map(familyDir));
    return new Map(families.map((f) => [f, analyzeFamily(root, `plugins/${f}`, recorded[familyDir(f)] ?? { error: { message: 'no reply' } })]));
  }

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'provd-corpus-')));
    cpSync(CORPUS, join(root, 'plugins'), { recursive: true, verbatimSymlinks: true });
    for (const family of FAMILIES) alone.set(family, (await record([family])).get(family)!);
    // the reference builds its own copy: nothing its recipes leave behind can reach ours
    const refSource = join(root, 'reference-source');
    cpSync(CORPUS, refSource, { recursive: true, verbatimSymlinks: true });
    const packages = referencePackages(refSource, FAMILIES, join(root, 'reference'));
    for (const [name, file] of Object.entries(packages)) {
      reference.set(name, await packageSnapshot(file, name.replace(/-[^-]+\.tar\.bz2$/, ''), true));
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('every corpus family is a valid family: one model per folder with a plugin-info', () => {
    expect(FAMILIES.length).toBeGreaterThanOrEqual(5);
    for (const family of FAMILIES) {
      const recipe = alone.get(family)!;
      expect(recipe.models.map((m) => m.folder).sort(), family).toEqual(modelFolders(familyDir(family)));
      for (const model of recipe.models) readPluginInfo(join(familyDir(family), model.folder, 'plugin-info'));
    }
    // the reference built a package for every model
    const ids = [...alone.values()].flatMap((r) => r.models.map((m) => m.pluginId)).sort();
    expect([...reference.keys()].map((n) => n.replace(/-[^-]+\.tar\.bz2$/, '')).sort()).toEqual(ids);
  });

  it('builds every model (recordFamilies, analyzeFamily, buildModel) exactly as the reference way', async () => {
    for (const family of FAMILIES) {
      const recipe = alone.get(family)!;
      for (const model of recipe.models) {
        const version = readPluginInfo(join(familyDir(family), model.folder, 'plugin-info')).version;
        const built = await buildModel(root, familyModel({ ...recipe, root: `plugins/${family}` }, model, version), 'dist');
        const name = packageFileName(model.pluginId, built.version);
        expect(reference.has(name), `reference package ${name}`).toBe(true);
        expect(await packageSnapshot(built.packageFile, model.pluginId), `${family}: ${model.pluginId}`).toEqual(reference.get(name));
      }
    }
  });

  it('records the same projects and dependencies in every order of the corpus', async () => {
    const orders = permutations(FAMILIES);
    await pool(orders, 3, async (order) => {
      const got = await record(order);
      for (const family of order) expect(got.get(family), `${family} in order ${order.join(', ')}`).toEqual(alone.get(family));
    });
  }, 900_000); // 120 python processes: minutes on a loaded 2-core machine

  it('records the same projects and dependencies for every pair of families in one process', async () => {
    const pairs = FAMILIES.flatMap((a) => FAMILIES.filter((b) => b !== a).map((b) => [a, b]));
    await pool(pairs, 3, async (pair) => {
      const got = await record(pair);
      for (const family of pair) expect(got.get(family), `${family} in pair ${pair.join(', ')}`).toEqual(alone.get(family));
    });
  });

  it('records sed output into a folder its own earlier rsync made, with another family recorded first', async () => {
    // before isolation, the second recipe kept the first's recording check_call and its real run skipped the rsync
    const got = await record(['rsync-forms', 'sed-overlay']);
    const recipe = got.get('sed-overlay')!;
    // run for real while recording (the folder exists once the copy ran), then replayed natively: the file is sed's output alone
    expect(recipe.models.map((m) => [m.replay, m.steps.map((s) => Object.keys(s)[0])])).toEqual([
      ['native', ['copy', 'sed', 'copy']],
      ['native', ['copy', 'sed', 'copy']],
    ]);
    expect(recipe).toEqual(alone.get('sed-overlay'));
  });
});

/**
 * Two generated families: one that changes everything a recipe can change in its
 * process, and one that reports that state through its recorded commands.
 */
function writeIsolationFamilies(pluginsDir: string): void {
  const write = (rel: string, text: string) => {
    mkdirSync(join(pluginsDir, rel, '..'), { recursive: true });
    writeFileSync(join(pluginsDir, rel), text);
  };
  const info = (d: string) => JSON.stringify({ version: '1.0.0', description: d, capabilities: {} });
  write(
    'changer/build.py',
    [
      'import os, shutil, subprocess, sys, tempfile',
      "@target('c1', 'iso-changer-c1')",
      'def build_c1(path):',
      "    subprocess.check_call(['rsync', '-rlp', 'c1/', path])",
      "    os.environ['ISO_FLAVOR'] = 'changed'",
      '    os.umask(0o077)',
      "    sys.path.insert(0, os.path.abspath('lib'))",
      '    import isohelpers',
      "    shutil.copy = lambda *a, **k: 'patched'",
      "    subprocess.getoutput = lambda *a, **k: 'patched'",
      "    tempfile.tempdir = os.path.abspath('lib')",
      "    sys.stdout = open(os.devnull, 'w')",
      "    open(os.path.join(path, '..', '..', 'leftover'), 'w').close()",
      "    os.chdir('lib')",
      '',
    ].join('\n')
  );
  write('changer/lib/isohelpers.py', "WHO = 'changer'\n");
  write('changer/c1/plugin-info', info('changer'));
  write(
    'probe/build.py',
    [
      'import os, shutil, subprocess, sys, tempfile',
      "@target('p1', 'iso-probe-p1')",
      'def build_p1(path):',
      '    mask = os.umask(0o022)',
      '    os.umask(mask)',
      '    try:',
      '        import isohelpers',
      '        who = isohelpers.WHO',
      '    except ImportError:',
      "        who = 'none'",
      '    state = {',
      "        'flavor': os.environ.get('ISO_FLAVOR', 'plain'), 'umask': oct(mask), 'helpers': who,",
      "        'copy': shutil.copy.__module__, 'getoutput': subprocess.getoutput.__module__,",
      "        'tempdir': tempfile.tempdir, 'stdout': sys.stdout is sys.__stdout__ or sys.stdout is sys.stderr,",
      "        'leftover': os.path.exists(os.path.join(path, '..', '..', 'leftover')),",
      "        'path': [p for p in sys.path if 'changer' in p],",
      '    }',
      "    subprocess.check_call(['rsync', '-rlp', 'p1/', path])",
      "    subprocess.check_call(['echo'] + ['%s=%s' % kv for kv in sorted(state.items())])",
      '',
    ].join('\n')
  );
  write('probe/p1/plugin-info', info('probe'));
}

describe('recording isolation', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'provd-isolation-')));
    writeIsolationFamilies(join(root, 'plugins'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a family recorded after one that changed its process sees the process as if alone', async () => {
    const dir = (f: string) => join(root, 'plugins', f);
    const probe = async (families: string[]) => {
      const recorded = await recordFamilies(families.map(dir));
      for (const f of families) expect(recorded[dir(f)].targets?.[0]?.error, f).toBeUndefined();
      return analyzeFamily(root, 'plugins/probe', recorded[dir('probe')]);
    };
    const alone = await probe(['probe']);
    // the probe really reports its state: alone, nothing of the changer shows
    expect(alone.models[0].commands[1]).toContain('flavor=plain');
    expect(alone.models[0].commands[1]).toContain('helpers=none');
    expect(await probe(['changer', 'probe'])).toEqual(alone);
  });
});

describe('recipe corpus through nx', () => {
  let ws: TestWorkspace;
  let refRoot: string;
  beforeAll(() => {
    ws = createWorkspace({ commit: false });
    cpSync(CORPUS, ws.path('plugins'), { recursive: true, verbatimSymlinks: true });
    ws.commit('corpus');
    refRoot = mkdtempSync(join(tmpdir(), 'provd-corpus-ref-'));
  });
  afterAll(() => {
    ws?.dispose();
    rmSync(refRoot, { recursive: true, force: true });
  });

  it('nx run-many -t build packages every corpus model as the reference way does', async () => {
    ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
    cpSync(CORPUS, join(refRoot, 'source'), { recursive: true, verbatimSymlinks: true });
    const expected = referencePackages(join(refRoot, 'source'), FAMILIES, join(refRoot, 'out'));
    const dir = ws.path('dist', 'packages');
    const ours = readdirSync(dir).filter((f) => f.endsWith('.tar.bz2')).sort();
    expect(ours).toEqual(Object.keys(expected).sort());
    for (const name of ours) {
      const id = name.replace(/-[^-]+\.tar\.bz2$/, '');
      expect(await packageSnapshot(join(dir, name), id), name).toEqual(await packageSnapshot(expected[name], id, true));
    }
  });
});
