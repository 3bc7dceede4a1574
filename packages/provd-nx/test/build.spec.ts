import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkspace, createWorkspace, REPO_ROOT } from './workspace';
import { familyFiles, pluginInfo } from './collection';
import { readPackage, sha1File } from '../src/package/read';

type Snapshot = Record<string, string>;

/** A tree without the model's __provd__/ snapshots, which our build drops (never packaged). */
function withoutSnapshots(tree: Snapshot): Snapshot {
  return Object.fromEntries(Object.entries(tree).filter(([p]) => p !== '__provd__' && !p.startsWith('__provd__/')));
}

/** A tree as the package should hold it: type, normalized mode, content hash or link target. */
function treeSnapshot(dir: string): Snapshot {
  const snap: Snapshot = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) snap[r] = `link -> ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) {
        snap[r] = 'dir 755';
        walk(r);
      } else snap[r] = `file ${st.mode & 0o111 ? '755' : '644'} ${createHash('sha1').update(readFileSync(join(dir, r))).digest('hex')}`;
    }
  };
  walk('');
  return snap;
}

async function packageSnapshot(file: string, pluginId: string): Promise<Snapshot> {
  const pkg = await readPackage(file);
  const snap: Snapshot = {};
  const tops = new Set(pkg.members.map((m) => m.name.split('/')[0]));
  expect([...tops]).toEqual([pluginId]);
  for (const m of pkg.members) {
    expect(m.mtime).toBe(pkg.members[0].mtime);
    expect([m.uid, m.gid, m.uname, m.gname]).toEqual([0, 0, '', '']);
    if (m.name === pluginId) continue;
    const rel = m.name.slice(pluginId.length + 1);
    if (m.type === 'symlink') snap[rel] = `link -> ${m.linkTarget}`;
    else if (m.type === 'directory') snap[rel] = `dir ${(m.mode & 0o777).toString(8)}`;
    else snap[rel] = `file ${(m.mode & 0o777).toString(8)} ${createHash('sha1').update(pkg.read(m.name)!).digest('hex')}`;
  }
  return snap;
}

function packagesOf(ws: TestWorkspace): Record<string, string> {
  const dir = ws.path('dist', 'packages');
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.tar.bz2')).map((f) => [f, join(dir, f)]));
}

/** Which build tasks ran and which came from the cache (batched tasks print no '> nx run' line). */
function ranTasks(output: string): { ran: string[]; cached: string[] } {
  const cached = [...output.matchAll(/> nx run ([^:\s]+):build\s+\[(local|remote) cache\]/g)].map((m) => m[1]);
  const reported = [...output.matchAll(/^(\S+) \S+ -> \S+\.tar\.bz2 \(/gm)].map((m) => m[1]);
  return { ran: reported.filter((id) => !cached.includes(id)).sort(), cached: cached.sort() };
}

describe('build the sample collection', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
  });
  afterAll(() => ws?.dispose());

  it('packages every model exactly as the reference builder (python3 + real rsync) builds it', async () => {
    const reference = mkdtempSync(join(tmpdir(), 'provd-ref-'));
    try {
      const built: Record<string, string> = {};
      for (const family of ['xivo-cisco-spa', 'xivo-snom']) {
        const out = execFileSync('python3', [join(__dirname, 'reference_build.py'), ws.path('plugins', family), join(reference, family)], { encoding: 'utf8' });
        Object.assign(built, JSON.parse(out));
      }
      const packages = packagesOf(ws);
      expect(Object.keys(packages)).toHaveLength(11);
      for (const [pluginId, dir] of Object.entries(built)) {
        const version = JSON.parse(readFileSync(join(dir, 'plugin-info'), 'utf8')).version;
        const file = packages[`${pluginId}-${version}.tar.bz2`];
        expect(file, `package of ${pluginId}`).toBeTruthy();
        // the reference builder packages what the recipe copied; ours drops the test target's snapshots
        const expected = withoutSnapshots(treeSnapshot(dir));
        expect(Object.keys(treeSnapshot(dir)).some((p) => p.startsWith('__provd__/')), `${pluginId}: the recipe copies its snapshots`).toBe(true);
        expect(await packageSnapshot(file, pluginId), pluginId).toEqual(expected);
        // and the plugin folder in dist/plugins is the same tree
        expect(treeSnapshot(ws.path('dist', 'plugins', pluginId)), pluginId).toEqual(expected);
      }
      // what the sample recipes are about, made explicit
      const snom875 = treeSnapshot(built['xivo-snom-8.7.5']);
      expect(readFileSync(join(built['xivo-snom-8.7.5'], 'templates/base.tpl'), 'utf8')).toContain('8.7.5');
      expect(snom875['templates/base.tpl.bak']).toBeTruthy();
      expect(treeSnapshot(built['xivo-snom-8.4.35'])['templates/base.tpl.bak']).toBeUndefined();
      expect(treeSnapshot(built['xivo-snom-10.1.54'])['templates/README']).toBeUndefined();
      expect(treeSnapshot(built['xivo-snom-m9-9.6.2'])['var']).toBeUndefined();
      expect(treeSnapshot(built['xivo-cisco-spa-7.5.5'])['templates/SPA942.tpl']).toBe('link -> SPA941.tpl');
      expect(Object.keys(treeSnapshot(built['xivo-cisco-spa-legacy'])).filter((p) => p.split('/').pop()!.startsWith('.'))).toEqual([]);
    } finally {
      rmSync(reference, { recursive: true, force: true });
    }
  });

  it('Python tarfile and GNU tar read the packages', () => {
    const packages = packagesOf(ws);
    // one package per model of the sample collection: an empty dist/packages is a failure
    expect(Object.keys(packages)).toHaveLength(11);
    for (const [name, file] of Object.entries(packages)) {
      const list = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' }).split('\n').filter(Boolean);
      const python = list(['python3', '-c', 'import sys,tarfile; print("\\n".join(tarfile.open(sys.argv[1]).getnames()))', file]);
      const gnu = list(['tar', '--quoting-style=literal', '-tjf', file]).map((n) => n.replace(/\/$/, ''));
      // one top folder named after the id, holding at least plugin-info and entry.py; both readers see the same members
      const id = name.slice(0, name.lastIndexOf('-'));
      expect(python).toEqual(expect.arrayContaining([id, `${id}/plugin-info`, `${id}/entry.py`]));
      expect(python.every((n) => n === id || n.startsWith(`${id}/`))).toBe(true);
      expect([...gnu].sort()).toEqual([...python].sort());
    }
  });

  it('is a cache hit for untouched models, and rebuilds exactly the models that copy a changed folder', () => {
    const again = ranTasks(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output);
    expect(again.ran).toEqual([]);
    expect(again.cached).toHaveLength(11);
    ws.append('plugins/xivo-snom/common_c/templates/keys.tpl', '\n<!-- changed -->\n');
    const after = ranTasks(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output);
    expect(after.ran).toEqual(['xivo-snom-10.1.46', 'xivo-snom-10.1.54']);
    ws.git('checkout', '--', '.');
    // a model's own folder is a {projectRoot} input: a file added deep in it rebuilds that model alone
    ws.write('plugins/xivo-snom/8.7.5/templates/extra/deep.tpl', 'added\n');
    const own = ranTasks(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output);
    expect(own.ran).toEqual(['xivo-snom-8.7.5']);
    rmSync(ws.path('plugins/xivo-snom/8.7.5/templates/extra'), { recursive: true });
    expect(ranTasks(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output).ran).toEqual([]);
    // build.py is a named input of the family project: a change rebuilds every model of the family, no other
    ws.append('plugins/xivo-snom/build.py', '\n# touched\n');
    const recipe = ranTasks(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output);
    expect(recipe.ran).toEqual(ws.projects().filter((p) => p.startsWith('xivo-snom-')).sort());
    ws.git('checkout', '--', '.');
  });

  it('the family build target builds all its models', () => {
    const r = ws.nxOk(['run', 'xivo-cisco-spa:build', '--outputStyle=static']);
    expect(r.output).toMatch(/xivo-cisco-pap2t-5\.1\.6:build/);
    expect(r.output).toMatch(/xivo-cisco-spa-legacy:build/);
    expect(r.output).not.toMatch(/xivo-snom/);
  });
});

describe('reproducible bytes', () => {
  it('two clones built with different umask and mtimes give identical SHA-1s for every package', async () => {
    const a = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    const bRoot = mkdtempSync(join(tmpdir(), 'provd-clone-'));
    try {
      // cloned under umask 077: its sources are 0600/0700, not 0644/0755
      execFileSync('sh', ['-c', `umask 077 && git clone -q "${a.root}" "${bRoot}"`]);
      const b = new TestWorkspace(bRoot);
      symlinkSync(join(REPO_ROOT, 'node_modules'), b.path('node_modules'));
      // scramble mtimes of every source file in the clone
      let t = 1_000_000_000;
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          if (lstatSync(p).isDirectory()) walk(p);
          if (!lstatSync(p).isSymbolicLink()) utimesSync(p, (t += 7919), (t += 104729));
        }
      };
      walk(b.path('plugins'));
      const nx = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
      for (const [ws, umask] of [[a, '022'], [b, '077']] as const) {
        const r = spawnSync('sh', ['-c', `umask ${umask} && exec "${process.execPath}" "${nx}" run-many -t build --outputStyle=static`], {
          cwd: ws.root,
          env: ws.env(),
          encoding: 'utf8',
        });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }
      const pa = packagesOf(a);
      const pb = packagesOf(b);
      expect(Object.keys(pb).sort()).toEqual(Object.keys(pa).sort());
      for (const name of Object.keys(pa)) expect(await sha1File(pb[name]), name).toBe(await sha1File(pa[name]));
      // the clone's sources and plugin folders really differ in modes
      expect(statSync(b.path('plugins/xivo-snom/8.4.35/entry.py')).mode & 0o077).toBe(0);
      expect(statSync(b.path('dist/plugins/xivo-snom-8.4.35/entry.py')).mode & 0o077).toBe(0);
    } finally {
      a.dispose();
      rmSync(bRoot, { recursive: true, force: true });
    }
  });
});

describe('overlays do not depend on mtimes', () => {
  it('a later copy step replaces a same-size file with the same mtime (rsync -t alone would keep the first)', async () => {
    const files = familyFiles({ name: 'fam-same', models: [{ folder: '1.0', pluginId: 'fam-same-1.0' }] });
    files['plugins/fam-same/common/templates/x.tpl'] = 'from common\n';
    files['plugins/fam-same/1.0/templates/x.tpl'] = 'from models\n';
    // -t copies mtimes: the first copy leaves x.tpl with the second's size and mtime
    files['plugins/fam-same/build.py'] = (files['plugins/fam-same/build.py'] as string).split("'-rlp'").join("'-rlpt'");
    // 2.0 runs a shell step, so python3 replays it with the real rsync
    files['plugins/fam-same/build.py'] +=
      '\n@target("2.0", "fam-same-2.0")\ndef build_2(path):\n' +
      "    check_call(['rsync', '-rlpt', 'common/', path])\n" +
      "    check_call('true', shell=True)\n" +
      "    check_call(['rsync', '-rlpt', '2.0/', path])\n";
    files['plugins/fam-same/2.0/plugin-info'] = pluginInfo('two', '0.2.0');
    files['plugins/fam-same/2.0/templates/x.tpl'] = 'from models\n';
    const ws = createWorkspace({ files });
    try {
      for (const f of ['common', '1.0', '2.0']) utimesSync(ws.path(`plugins/fam-same/${f}/templates/x.tpl`), 1_500_000_000, 1_500_000_000);
      ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
      for (const [id, v] of [['fam-same-1.0', '0.1.0'], ['fam-same-2.0', '0.2.0']]) {
        const pkg = await readPackage(ws.path(`dist/packages/${id}-${v}.tar.bz2`));
        expect(pkg.read(`${id}/templates/x.tpl`)!.toString(), id).toBe('from models\n');
      }
      expect(ws.project('fam-same-2.0').metadata.provd.replay).toBe('python');
    } finally {
      ws.dispose();
    }
  });
});

describe('folders holding no file Nx knows (Nx has no files for their projects)', () => {
  it('a symlinked model folder and a shared folder whose files git ignores still build through nx', () => {
    const files = familyFiles({ name: 'empty', models: [{ folder: '1.0', pluginId: 'empty-1.0', shared: ['common', 'gen'] }] });
    for (const k of Object.keys(files)) if (k.startsWith('plugins/empty/gen/')) delete files[k];
    files['plugins/empty/gen/.gitignore'] = '*\n';
    files['plugins/empty/gen/made.tpl'] = 'generated, ignored by git\n';
    for (const [k, v] of Object.entries(files)) {
      if (k.startsWith('plugins/empty/1.0/')) {
        delete files[k];
        files[k.replace('plugins/empty/1.0/', 'plugins/empty/real-1.0/')] = v;
      }
    }
    const ws = createWorkspace({ files, commit: false });
    try {
      symlinkSync('real-1.0', ws.path('plugins/empty/1.0'));
      ws.commit('a symlinked model folder, a shared folder of ignored files');
      const r = ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
      expect(r.output).toMatch(/empty-1\.0 0\.1\.0 -> dist\/packages\/empty-1\.0-0\.1\.0\.tar\.bz2/);
      expect(ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']).output).toMatch(/empty-1\.0:build +\[local cache\]/);
    } finally {
      ws.dispose();
    }
  });
});

describe('build errors', () => {
  const good = (name: string) => familyFiles({ name, models: [{ folder: '1.0', pluginId: `${name}-1.0` }] });

  it('a failing recipe step names the target, the command and its stderr; nothing half-written is left', () => {
    const ws = createWorkspace({
      files: {
        ...good('fam-sed'),
        'plugins/fam-sed/build.py': [
          'from subprocess import check_call',
          '@target("1.0", "fam-sed-1.0")',
          'def build(path):',
          '    check_call(["rsync", "-rlp", "1.0/", path])',
          '    check_call("sed -e s/a/b/ 1.0/missing.tpl > %s/out.tpl" % path, shell=True)',
          '',
        ].join('\n'),
      },
    });
    try {
      const r = ws.nx(['run', 'fam-sed-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("target '1.0' (fam-sed-1.0) of plugins/fam-sed/build.py");
      expect(r.output).toMatch(/command failed with exit code 2: sed -e s\/a\/b\/ 1\.0\/missing\.tpl >/);
      expect(r.output).toMatch(/sed: can't read 1\.0\/missing\.tpl: No such file or directory/);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
      expect(existsSync(ws.path('dist/plugins')) ? readdirSync(ws.path('dist/plugins')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('refuses a built plugin-info that is not JSON or holds another version than the model folder\'s (the reference names the package after it)', () => {
    const files = good('fam-info');
    const recipe = (write: string) =>
      [
        'import json, os',
        'from subprocess import check_call',
        '@target("1.0", "fam-info-1.0")',
        'def build(path):',
        '    check_call(["rsync", "-rlp", "1.0/", path])',
        `    with open(os.path.join(path, "plugin-info"), "w") as f: f.write(${write})`,
        '',
      ].join('\n');
    const ws = createWorkspace({ files: { ...files, 'plugins/fam-info/build.py': recipe(`'not json'`) } });
    try {
      const r = ws.nx(['run', 'fam-info-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/of plugins\/fam-info\/build\.py: the built plugin's plugin-info is not JSON/);
      ws.write('plugins/fam-info/build.py', recipe(`json.dumps({"version": "9.9.9", "description": "x", "capabilities": {}})`));
      ws.commit('another version');
      const v = ws.nx(['run', 'fam-info-1.0:build', '--outputStyle=static']);
      expect(v.code).not.toBe(0);
      expect(v.output).toContain(`the built plugin's plugin-info has version "9.9.9", plugins/fam-info/1.0/plugin-info has "0.1.0"`);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('refuses a symlinked folder that leads outside the family', () => {
    const ws = createWorkspace({ files: { ...good('fam-out'), 'outside/secret.txt': 'secret\n' }, commit: false });
    try {
      rmSync(ws.path('plugins/fam-out/common'), { recursive: true });
      symlinkSync('../../outside', ws.path('plugins/fam-out/common'));
      ws.commit('symlinked common');
      const r = ws.nx(['run', 'fam-out-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/'common\/?' leads outside the family folder/);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('refuses a symlink in the plugin that points outside it', () => {
    const ws = createWorkspace({ files: good('fam-link'), commit: false });
    try {
      symlinkSync('../../../outside.tpl', ws.path('plugins/fam-link/1.0/templates/escape.tpl'));
      ws.commit('escaping link');
      const r = ws.nx(['run', 'fam-link-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/templates\/escape\.tpl.*(outside|escap)/);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('refuses a model folder that holds another Nx project, whose files Nx would not count as the model\'s', () => {
    const ws = createWorkspace({ files: { ...good('fam-nest'), 'plugins/fam-nest/1.0/tools/project.json': '{"name": "nested-tools"}\n' } });
    try {
      const r = ws.nx(['run', 'fam-nest-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('plugins/fam-nest/1.0: holds other project(s) nested-tools (plugins/fam-nest/1.0/tools)');
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('a model folder without plugin-info is a clear error: a warning for the graph, a failure for its build', () => {
    const files = good('fam-noinfo');
    delete files['plugins/fam-noinfo/1.0/plugin-info'];
    const ws = createWorkspace({ files });
    try {
      const shown = ws.nx(['show', 'projects']);
      expect(shown.code).toBe(0);
      expect(shown.output).toContain('plugins/fam-noinfo/1.0/plugin-info: missing: every model folder needs a plugin-info');
      const r = ws.nx(['run', 'fam-noinfo-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('plugins/fam-noinfo/1.0/plugin-info: missing: every model folder needs a plugin-info');
    } finally {
      ws.dispose();
    }
  });
});
