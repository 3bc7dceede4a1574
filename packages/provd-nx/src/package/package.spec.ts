import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Parser } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { comparePaths, listPluginTree } from './tree';
import { PACKAGE_MTIME } from './tar';
import { sha1File, readPackage } from './read';
import { packageFileName } from '../format/package-name';
import { createPackage } from './create';
import { useTempDir, REPO_ROOT } from '../../test/temp';

const PLUGIN_ID = 'acme-phones-1.0';

type Node =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; content: string; exec?: boolean }
  | { kind: 'symlink'; path: string; target: string };

// 157 characters: with the plugin id the paths below need a ustar prefix or a pax header.
const LONG_DIR = `long-${'d'.repeat(90)}/sub-${'e'.repeat(60)}`;
const PAX_FILE = `${LONG_DIR}/${'f'.repeat(110)}.txt`; // basename > 100 bytes: pax path
const SPLIT_FILE = `${LONG_DIR}/short.txt`; // fits ustar name + prefix

/** Paths that fit plain ustar, so GNU tar --format=ustar can build the same archive. */
const USTAR_TREE: Node[] = [
  { kind: 'file', path: 'plugin-info', content: '{"version": "1.0", "description": "test"}\n' },
  { kind: 'file', path: 'entry.py', content: 'common_globals = {}\n' },
  { kind: 'file', path: 'bin/run.sh', content: '#!/bin/sh\necho run\n', exec: true },
  { kind: 'file', path: 'common/sub/deep/file.txt', content: 'deep\n' },
  { kind: 'file', path: 'common/empty', content: '' },
  { kind: 'dir', path: 'var/cache' },
  { kind: 'file', path: 'a-b/x.txt', content: 'a-b\n' },
  { kind: 'file', path: 'a/y.txt', content: 'a\n' },
  { kind: 'file', path: '.hidden/dot.txt', content: 'dotted dir\n' },
  { kind: 'file', path: 'données/été.txt', content: 'utf-8 names\n' },
  { kind: 'file', path: 'big.bin', content: randomBytes(300_000).toString('base64') },
  { kind: 'file', path: SPLIT_FILE, content: 'split into prefix and name\n' },
  { kind: 'symlink', path: 'var/link.txt', target: '../common/sub/deep/file.txt' },
  { kind: 'symlink', path: 'latest', target: 'common' },
  { kind: 'symlink', path: 'common/self', target: '.' },
];

const FULL_TREE: Node[] = [
  ...USTAR_TREE,
  { kind: 'file', path: PAX_FILE, content: 'needs a pax path\n' },
  { kind: 'symlink', path: 'long-link', target: PAX_FILE }, // target > 100 bytes: pax linkpath
];

const tmp = useTempDir('provd-package-');

/** Creates the tree in the given order with the given modes (as a checkout might). */
function writeTree(root: string, nodes: Node[], modes: { file: number; exec: number; dir: number }): void {
  fs.mkdirSync(root, { recursive: true, mode: modes.dir });
  for (const n of nodes) {
    const abs = path.join(root, n.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true, mode: modes.dir });
    if (n.kind === 'dir') fs.mkdirSync(abs, { recursive: true, mode: modes.dir });
    else if (n.kind === 'symlink') fs.symlinkSync(n.target, abs);
    else {
      fs.writeFileSync(abs, n.content);
      fs.chmodSync(abs, n.exec ? modes.exec : modes.file);
    }
  }
  // mkdir's mode goes through the umask: set directory modes explicitly.
  const chmodDirs = (dir: string) => {
    fs.chmodSync(dir, modes.dir);
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) chmodDirs(path.join(dir, d.name));
    }
  };
  chmodDirs(root);
}

/** Every entry's type, mode and content (or link target), to compare trees. */
function snapshot(root: string, opts: { normalizeModes: boolean; dirModes: boolean }) {
  const out: Array<{ path: string; type: string; mode: number | null; data: string }> = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const perm = st.mode & 0o7777;
      if (st.isSymbolicLink()) out.push({ path: r, type: 'symlink', mode: null, data: fs.readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', mode: !opts.dirModes ? null : opts.normalizeModes ? 0o755 : perm, data: '' });
        walk(r);
      } else {
        const mode = opts.normalizeModes ? (perm & 0o111 ? 0o755 : 0o644) : perm;
        out.push({ path: r, type: 'file', mode, data: createHash('sha1').update(fs.readFileSync(abs)).digest('hex') });
      }
    }
  };
  walk('');
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return r;
}

const PY_READ = `
import json, sys, tarfile
archive, dest = sys.argv[1], sys.argv[2]
members = []
with tarfile.open(archive) as t:  # mode 'r': compression detected from the bytes
    for m in t.getmembers():
        kind = 'dir' if m.isdir() else 'file' if m.isreg() else 'symlink' if m.issym() else 'other'
        members.append(dict(name=m.name, type=kind, mode=m.mode, mtime=m.mtime, uid=m.uid, gid=m.gid,
                            uname=m.uname, gname=m.gname, linkname=m.linkname, pax=sorted(m.pax_headers)))
    kwargs = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
    t.extractall(dest, **kwargs)
print(json.dumps(members))
`;

describe('createPackage', () => {
  let pkgA: { file: string; size: number; sha1: string };
  let srcA: string;

  beforeAll(async () => {
    // Tree A: in-process, listed order, group-writable modes, old mtimes.
    srcA = tmp('a', 'src');
    writeTree(srcA, FULL_TREE, { file: 0o664, exec: 0o775, dir: 0o775 });
    const old = new Date('2001-02-03T04:05:06Z');
    for (const n of FULL_TREE) {
      const abs = path.join(srcA, n.path);
      if (n.kind === 'symlink') await fsp.lutimes(abs, old, old);
      else await fsp.utimes(abs, old, old);
    }
    pkgA = await createPackage(srcA, PLUGIN_ID, tmp('a', 'out', packageFileName(PLUGIN_ID, '1.0.0')));
  });

  it('lists the tree sorted, relative, with normalized modes', async () => {
    const entries = await listPluginTree(srcA);
    expect(entries.map((e) => e.path)).toEqual([...entries.map((e) => e.path)].sort(comparePaths));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('bin/run.sh')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(byPath.get('entry.py')).toMatchObject({ type: 'file', mode: 0o644, size: 20 });
    expect(byPath.get('var/cache')).toMatchObject({ type: 'directory', mode: 0o755, size: 0 });
    expect(byPath.get('latest')).toMatchObject({ type: 'symlink', linkTarget: 'common', size: 0 });
    expect(entries).toHaveLength(new Set(entries.map((e) => e.path)).size);
  });

  it('leaves only the package in the destination directory, with the sha1 of its bytes', async () => {
    expect(fs.readdirSync(path.dirname(pkgA.file))).toEqual([`${PLUGIN_ID}-1.0.0.tar.bz2`]);
    const bytes = fs.readFileSync(pkgA.file);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('BZh9');
    expect(pkgA.size).toBe(bytes.length);
    expect(pkgA.sha1).toBe(createHash('sha1').update(bytes).digest('hex'));
    expect(await sha1File(pkgA.file)).toBe(pkgA.sha1);
  });

  it('gives identical bytes for another checkout: other order, umask, modes, mtimes, process', () => {
    // Tree B is written and packaged by a child node (through the swc-node loader
    // Nx uses) under umask 077: reverse order, 0600/0700 modes, recent random mtimes.
    const job = tmp('b', 'job.json');
    const srcB = tmp('b', 'src');
    const destB = tmp('b', 'out', packageFileName(PLUGIN_ID, '1.0.0'));
    fs.mkdirSync(path.dirname(job), { recursive: true });
    fs.writeFileSync(job, JSON.stringify({ nodes: [...FULL_TREE].reverse(), root: srcB, dest: destB, id: PLUGIN_ID }));
    const script = `
      const fs = require('fs'), path = require('path');
      process.umask(0o077);
      const { nodes, root, dest, id } = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
      fs.mkdirSync(root, { recursive: true });
      for (const n of nodes) {
        const abs = path.join(root, n.path);
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        if (n.kind === 'dir') fs.mkdirSync(abs, { recursive: true });
        else if (n.kind === 'symlink') fs.symlinkSync(n.target, abs);
        else fs.writeFileSync(abs, n.content, { mode: n.exec ? 0o777 : 0o666 });
      }
      for (const n of nodes) {
        const t = new Date(Date.now() - Math.floor(Math.random() * 1e9));
        const abs = path.join(root, n.path);
        if (n.kind === 'symlink') fs.lutimesSync(abs, t, t); else fs.utimesSync(abs, t, t);
      }
      const { createPackage } = require(${JSON.stringify(path.join(__dirname, 'create.ts'))});
      createPackage(root, id, dest).then(
        (r) => console.log(JSON.stringify(r)),
        (e) => { console.error(e); process.exit(1); });
    `;
    const r = run(process.execPath, ['-r', '@swc-node/register', '-e', script, job], { cwd: REPO_ROOT });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const pkgB = JSON.parse(r.stdout) as typeof pkgA;
    // The source trees really differ in modes (umask 077 vs 0775 chmods).
    expect(fs.statSync(path.join(srcB, 'bin/run.sh')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(srcB, 'common')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(srcA, 'common')).mode & 0o777).toBe(0o775);
    expect(pkgB.sha1).toBe(pkgA.sha1);
    expect(fs.readFileSync(pkgB.file).equals(fs.readFileSync(pkgA.file))).toBe(true);
  });

  it('is bit-identical to GNU tar --format=ustar --sort=name on a mode-normalized copy', async () => {
    // An independent implementation of the same recipe, for paths that fit ustar.
    const stage = tmp('gnu', 'stage');
    writeTree(path.join(stage, PLUGIN_ID), USTAR_TREE, { file: 0o644, exec: 0o755, dir: 0o755 });
    const gnu = execFileSync(
      'tar',
      ['--format=ustar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', PLUGIN_ID],
      { cwd: stage, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 },
    );
    const ours = await createPackage(path.join(stage, PLUGIN_ID), PLUGIN_ID, tmp('gnu', 'out', 'p.tar.bz2'));
    const tarBytes = execFileSync('bzip2', ['-dc', ours.file], { maxBuffer: 1 << 26 });
    expect(PACKAGE_MTIME).toBe(0);
    expect(tarBytes.length).toBe(gnu.length);
    expect(tarBytes.equals(gnu)).toBe(true);
  });

  it("is read by Python's tarfile (auto-detected bzip2): one top dir, fixed metadata, same content", () => {
    const dest = tmp('py-extract');
    fs.mkdirSync(dest);
    const r = run('python3', ['-c', PY_READ, pkgA.file, dest]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const members = JSON.parse(r.stdout) as Array<{
      name: string; type: string; mode: number; mtime: number; uid: number; gid: number;
      uname: string; gname: string; linkname: string; pax: string[];
    }>;
    expect(new Set(members.map((m) => m.name.split('/')[0]))).toEqual(new Set([PLUGIN_ID]));
    expect(members[0]).toMatchObject({ name: PLUGIN_ID, type: 'dir' });
    expect(members.map((m) => m.name).slice(1)).toEqual(
      snapshot(srcA, { normalizeModes: true, dirModes: true }).map((e) => `${PLUGIN_ID}/${e.path}`),
    );
    for (const m of members) {
      expect(m).toMatchObject({ mtime: PACKAGE_MTIME, uid: 0, gid: 0, uname: '', gname: '' });
      expect(m.type).not.toBe('other');
      if (m.type === 'dir') expect(m.mode).toBe(0o755);
      if (m.type === 'file') expect([0o644, 0o755]).toContain(m.mode);
      // pax only ever carries a path or link target, never times or owners
      for (const key of m.pax) expect(['path', 'linkpath']).toContain(key);
    }
    const byName = new Map(members.map((m) => [m.name, m]));
    expect(byName.get(`${PLUGIN_ID}/bin/run.sh`)?.mode).toBe(0o755);
    expect(byName.get(`${PLUGIN_ID}/entry.py`)?.mode).toBe(0o644);
    expect(byName.get(`${PLUGIN_ID}/${PAX_FILE}`)?.pax).toEqual(['path']);
    expect(byName.get(`${PLUGIN_ID}/${SPLIT_FILE}`)?.pax).toEqual([]);
    expect(byName.get(`${PLUGIN_ID}/long-link`)).toMatchObject({ type: 'symlink', linkname: PAX_FILE, pax: ['linkpath'] });
    expect(byName.get(`${PLUGIN_ID}/var/link.txt`)).toMatchObject({ type: 'symlink', linkname: '../common/sub/deep/file.txt' });
    // The data filter leaves directory modes to the umask, so compare those through GNU tar below.
    expect(fs.readdirSync(dest)).toEqual([PLUGIN_ID]);
    expect(snapshot(path.join(dest, PLUGIN_ID), { normalizeModes: false, dirModes: false })).toEqual(
      snapshot(srcA, { normalizeModes: true, dirModes: false }),
    );
  });

  it('is extracted by GNU tar xjf with no warnings and the normalized modes', () => {
    const dest = tmp('gnu-extract');
    fs.mkdirSync(dest);
    const r = run('tar', ['xjf', pkgA.file, '-C', dest]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(dest)).toEqual([PLUGIN_ID]);
    expect(snapshot(path.join(dest, PLUGIN_ID), { normalizeModes: false, dirModes: true })).toEqual(
      snapshot(srcA, { normalizeModes: true, dirModes: true }),
    );
    expect(fs.statSync(path.join(dest, PLUGIN_ID, 'bin/run.sh')).mtimeMs).toBe(PACKAGE_MTIME * 1000);
  });

  it('round-trips through readPackage', async () => {
    const pkg = await readPackage(pkgA.file);
    const entries = await listPluginTree(srcA);
    expect(pkg.members.map((m) => m.name)).toEqual([PLUGIN_ID, ...entries.map((e) => `${PLUGIN_ID}/${e.path}`)]);
    expect(pkg.members[0]).toMatchObject({ type: 'directory', mode: 0o755, size: 0 });
    for (const [i, e] of entries.entries()) {
      const m = pkg.members[i + 1];
      expect(m).toMatchObject({
        type: e.type, mode: e.mode, size: e.size, mtime: PACKAGE_MTIME, uid: 0, gid: 0, uname: '', gname: '',
      });
      expect(m.linkTarget).toBe(e.linkTarget);
      if (e.type === 'file') expect(pkg.read(m.name)?.equals(fs.readFileSync(path.join(srcA, e.path)))).toBe(true);
      else expect(pkg.read(m.name)).toBeUndefined();
    }
    expect(pkg.read(`${PLUGIN_ID}/no-such-file`)).toBeUndefined();
  });

  it('reads every member as node-tar, an independent reader, does (ustar prefixes, pax paths and link targets)', async () => {
    // node-tar reads no bzip2 and drops pax values holding a newline (hence our own reader),
    // but on well-formed packages it must see what we see
    const tarBytes = execFileSync('bzip2', ['-dc', pkgA.file], { maxBuffer: 1 << 28 });
    const seen: Array<Record<string, unknown>> = [];
    const parser = new Parser({
      onReadEntry: (e) => {
        seen.push({ name: e.path.replace(/\/$/, ''), type: e.type, mode: e.mode, size: e.size, mtime: e.mtime?.getTime(), linkTarget: e.linkpath || undefined });
        e.resume();
      },
    });
    await new Promise<void>((resolve, reject) => {
      parser.on('end', resolve);
      parser.on('error', reject);
      parser.end(tarBytes);
    });
    const types: Record<string, string> = { File: 'file', OldFile: 'file', Directory: 'directory', SymbolicLink: 'symlink' };
    const ours = (await readPackage(pkgA.file)).members.map((m) => ({
      name: m.name, type: m.type, mode: m.mode, size: m.size, mtime: m.mtime * 1000, linkTarget: m.linkTarget || undefined,
    }));
    expect(seen.map((e) => ({ ...e, type: types[e.type as string] ?? e.type }))).toEqual(ours);
  });
});

describe('readPackage reads names as Python tarfile does', () => {
  const names = (file: string): string[] =>
    JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys,tarfile; print(json.dumps([[m.name, m.linkname] for m in tarfile.open(sys.argv[1])]))', file], {
        encoding: 'utf8',
      }),
    ).map(([n, l]: [string, string]) => (l ? `${n} -> ${l}` : n));
  const ours = async (file: string) => (await readPackage(file)).members.map((m) => (m.linkTarget ? `${m.name} -> ${m.linkTarget}` : m.name));

  it('a long name or link target holding a newline (a pax record read by its length; found by the fuzz spec)', async () => {
    const root = tmp('pax-newline', PLUGIN_ID);
    const dir = path.join(root, 'new\nline');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${'é'.repeat(60)}\n${'x'.repeat(20)}`), 'x');
    fs.symlinkSync(`new\nline/${'y'.repeat(120)}`, path.join(root, 'link'));
    const file = (await createPackage(root, PLUGIN_ID, tmp('pax-newline', 'p.tar.bz2'))).file;
    expect(await ours(file)).toEqual(names(file));
    expect(await ours(file)).toContain(`${PLUGIN_ID}/new\nline/${'é'.repeat(60)}\n${'x'.repeat(20)}`);
  });

  it("a pax path with '..' after a newline is seen whole by the checks (the ustar name alone looks harmless)", async () => {
    const file = tmp('pax-evil.tar.bz2');
    execFileSync('python3', [
      '-c',
      [
        'import io, sys, tarfile',
        't = tarfile.open(sys.argv[1], "w:bz2", format=tarfile.PAX_FORMAT)',
        'd = tarfile.TarInfo(sys.argv[2]); d.type = tarfile.DIRTYPE; t.addfile(d)',
        'f = tarfile.TarInfo(sys.argv[2] + "/" + "x" * 120 + "\\n/../../../evil"); f.size = 1; t.addfile(f, io.BytesIO(b"x"))',
        't.close()',
      ].join('\n'),
      file,
      PLUGIN_ID,
    ]);
    expect(await ours(file)).toEqual(names(file));
    const { packageProblems } = await import('./checks');
    expect(packageProblems(PLUGIN_ID, await readPackage(file))).toEqual([expect.stringMatching(/contains '\.\.'/)]);
  });
});

/** A plugin source folder and an empty output folder for one case. */
function caseFolders(name: string): { root: string; out: string } {
  const root = tmp(name, 'src');
  const out = tmp(name, 'out');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(out);
  return { root, out };
}

/** createPackage failed with an error naming `offender`, and left nothing in `out`. */
function expectFailedCleanly(err: unknown, offender: string, message: RegExp, out: string): void {
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toContain(offender);
  expect((err as Error).message).toMatch(message);
  expect(fs.readdirSync(out)).toEqual([]);
}

describe('refusals', () => {
  const cases: Array<{ name: string; make: (root: string) => void; offender: string; message: RegExp }> = [
    {
      name: 'an absolute symlink',
      make: (root) => fs.symlinkSync('/etc/passwd', path.join(root, 'sub', 'abs-link')),
      offender: 'sub/abs-link',
      message: /absolute/,
    },
    {
      name: 'a symlink escaping with ..',
      make: (root) => fs.symlinkSync('../../outside.txt', path.join(root, 'sub', 'up-link')),
      offender: 'sub/up-link',
      message: /outside the plugin folder/,
    },
    {
      name: 'a symlink escaping through another in-tree symlink',
      make: (root) => {
        fs.symlinkSync('.', path.join(root, 'sub', 'here'));
        fs.symlinkSync('here/../..', path.join(root, 'sub', 'sneaky'));
      },
      offender: 'sub/sneaky',
      message: /outside the plugin folder/,
    },
    {
      name: 'a FIFO',
      make: (root) => execFileSync('mkfifo', [path.join(root, 'sub', 'fifo')]),
      offender: 'sub/fifo',
      message: /not a regular file, directory or symlink/,
    },
  ];

  for (const [i, c] of cases.entries()) {
    it(`refuses ${c.name}, naming it, and writes nothing`, async () => {
      const { root, out } = caseFolders(`refuse-${i}`);
      fs.mkdirSync(path.join(root, 'sub'));
      fs.writeFileSync(path.join(root, 'sub', 'ok.txt'), 'ok\n');
      c.make(root);
      const offender = path.join(root, c.offender);
      await expect(listPluginTree(root)).rejects.toThrow(c.message);
      expectFailedCleanly(await createPackage(root, PLUGIN_ID, path.join(out, 'p.tar.bz2')).then(() => undefined, (e: unknown) => e), offender, c.message, out);
    });
  }

  it('leaves no partial package when a file changes in the middle of packaging', async () => {
    const { root, out } = caseFolders('midway');
    // Incompressible data ahead of the victim keeps bzip2 busy for a while.
    fs.writeFileSync(path.join(root, 'aa-big.bin'), randomBytes(12 << 20));
    const victim = path.join(root, 'zz-victim.txt');
    fs.writeFileSync(victim, 'x'.repeat(10_000));
    const building = createPackage(root, PLUGIN_ID, path.join(out, 'p.tar.bz2')).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Once the temp package exists the tree has been listed; shrink the victim.
    const started = Date.now();
    while (fs.readdirSync(out).length === 0 && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(fs.readdirSync(out)[0]).toMatch(/^\.p\.tar\.bz2\..*\.tmp$/);
    fs.truncateSync(victim, 10);
    expectFailedCleanly(await building, victim, /changed while packaging/, out);
  });

  it('leaves no partial package when bzip2 cannot run', async () => {
    const { root, out } = caseFolders('nobzip');
    fs.writeFileSync(path.join(root, 'f.txt'), 'f\n');
    const savedPath = process.env.PATH;
    process.env.PATH = tmp('nobzip', 'empty-bin');
    try {
      await expect(createPackage(root, PLUGIN_ID, path.join(out, 'p.tar.bz2'))).rejects.toThrow(/bzip2 not found/);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
