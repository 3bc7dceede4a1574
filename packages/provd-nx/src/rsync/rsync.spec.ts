import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRsyncCopy, RsyncCopyError } from './receiver';
import { parseRsyncArgv } from './argv';
import { useTempDir } from '../../test/temp';
import { mulberry32 } from '../../test/seeded-random';

// ---------------------------------------------------------------------------------------------
// differential tests against the real rsync binary

const hasRsync = spawnSync('rsync', ['--version']).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

type Tree = Record<string, string>;
interface Spec {
  [name: string]: string | { mode?: number; content?: string; mtime?: number; owner?: [number, number] } | { link: string } | Spec | { dir: Spec; mode: number };
}

async function writeTree(root: string, spec: Spec): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  for (const [name, v] of Object.entries(spec)) {
    const p = path.join(root, name);
    if (typeof v === 'string') {
      await fs.writeFile(p, v);
    } else if ('link' in v && typeof v.link === 'string') {
      await fs.symlink(v.link, p);
    } else if ('dir' in v && typeof v.mode === 'number') {
      await writeTree(p, v.dir as Spec);
      await fs.chmod(p, v.mode);
    } else if ('content' in v || 'mode' in v || 'mtime' in v) {
      const f = v as { mode?: number; content?: string; mtime?: number; owner?: [number, number] };
      await fs.writeFile(p, f.content ?? name);
      if (f.owner && isRoot) await fs.chown(p, f.owner[0], f.owner[1]);
      if (f.mode !== undefined) await fs.chmod(p, f.mode);
      if (f.mtime !== undefined) await fs.utimes(p, f.mtime, f.mtime);
    } else {
      await writeTree(p, v as Spec);
    }
  }
}

/** Everything rsync could influence: type, bits, content, link target, owner, optionally mtime. */
async function snapshot(root: string, withTimes: boolean): Promise<Tree> {
  const out: Tree = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    const st = await fs.lstat(abs, { bigint: true });
    const owner = `${st.uid}:${st.gid}`;
    const mtime = withTimes && rel !== '.' ? ` t=${st.mtimeNs / 1000n}` : '';
    if (st.isSymbolicLink()) {
      out[rel] = `link -> ${await fs.readlink(abs)} ${owner}${mtime}`;
    } else if (st.isDirectory()) {
      out[rel] = `dir ${(Number(st.mode) & 0o7777).toString(8)} ${owner}${mtime}`;
      for (const n of (await fs.readdir(abs)).sort()) await walk(path.join(abs, n), rel === '.' ? n : `${rel}/${n}`);
    } else if (st.isFile()) {
      out[rel] = `file ${(Number(st.mode) & 0o7777).toString(8)} ${owner}${mtime} ${(await fs.readFile(abs)).toString('hex')}`;
    } else {
      out[rel] = `other ${(Number(st.mode) & 0o7777).toString(8)}`;
    }
  };
  try {
    await walk(root, '.');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { '.': 'absent' };
  }
  return out;
}

interface StepResult {
  failed: boolean;
  messages: string[];
  written?: string[];
}

function runReal(argv: string[], cwd: string): StepResult {
  const r = spawnSync('rsync', argv.slice(1), { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  const messages = r.stdout.split('\n').filter((l) => l.startsWith('skipping '));
  return { failed: r.status !== 0, messages: messages.sort() };
}

async function runOurs(argv: string[], cwd: string): Promise<StepResult> {
  const copy = parseRsyncArgv(argv);
  if (!copy) throw new Error(`parseRsyncArgv returned null for ${JSON.stringify(argv)}`);
  const messages: string[] = [];
  try {
    const written = await runRsyncCopy(copy, cwd, { log: (l) => messages.push(l) });
    return { failed: false, messages: messages.sort(), written };
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    return { failed: true, messages: messages.sort() };
  }
}

interface DiffCase {
  name: string;
  /** argv lists; "{D}" is replaced by the destination of each side. */
  steps: string[][];
  /** Populates the destination before the first step (run identically for both sides). */
  pre?: (dest: string) => Promise<void>;
  times?: boolean;
  /** 'any': only require that both sides fail or succeed together (checked per step anyway). */
  expectFailure?: boolean | 'any';
}

const tmp = useTempDir('provd-rsync-');
let caseNo = 0;

/** Runs the steps with real rsync into A and with runRsyncCopy into B, then compares. */
async function differential(c: DiffCase, fixture: (ws: string) => Promise<void>): Promise<{ a: Tree; b: Tree; written?: string[] }> {
  const ws = tmp(`case${++caseNo}`);
  await fixture(ws);
  const sides = { A: 'outA', B: 'outB' } as const;
  if (c.pre) {
    await c.pre(path.join(ws, sides.A));
    await c.pre(path.join(ws, sides.B));
  }
  let written: string[] | undefined;
  let anyFailure = false;
  for (const step of c.steps) {
    const real = runReal(step.map((s) => s.replace('{D}', sides.A)), ws);
    const ours = await runOurs(step.map((s) => s.replace('{D}', sides.B)), ws);
    expect({ failed: ours.failed, messages: ours.messages }, `${c.name}: ${step.join(' ')}`).toEqual(real);
    anyFailure ||= real.failed;
    written = ours.written;
  }
  if (c.expectFailure !== 'any') expect(anyFailure, `${c.name}: expected failure`).toBe(!!c.expectFailure);
  const a = await snapshot(path.join(ws, sides.A), !!c.times);
  const b = await snapshot(path.join(ws, sides.B), !!c.times);
  expect(b, c.name).toEqual(a);
  return { a, b, written };
}

const FIXED_MTIME = 1_600_000_000;

function mainSpec(): Spec {
  return {
    'a.tpl': 'alpha template\n',
    'b.bak': 'backup\n',
    'c.txt': 'c\n',
    'run.sh': { mode: 0o755, content: '#!/bin/sh\necho hi\n' },
    'suid.bin': { mode: 0o4755, content: 'suid\n' },
    secret: { mode: 0o600, content: 'secret\n' },
    'owned.cfg': { mode: 0o640, content: 'owned\n', owner: [1234, 2345] },
    'odd.tpl': { mode: 0o664, content: 'odd mode\n' },
    '.hidden': 'hidden\n',
    '.git': { config: '[core]\n', objects: { x: 'obj\n' } },
    '.dotdir': { 'inner.tpl': 'inner\n' },
    'é.tpl': 'accent\n',
    'sp ace.txt': 'space\n',
    'br[1].txt': 'bracket\n',
    a1: 'digit\n',
    templates: {
      'x.tpl': 'x template\n',
      'z.txt': 'z\n',
      '.keep': '',
      'link-up': { link: '../c.txt' },
      sub: { 'y.tpl': 'y\n', 'n.bak': 'n\n', deep: { 'w.tpl': 'w\n' } },
    },
    sub: { 'x.tpl': 'sub x\n', sub: { 'q.txt': 'q\n' } },
    private: { dir: { 'p.tpl': 'p\n' }, mode: 0o700 },
    sgid: { dir: { f: 'f\n' }, mode: 0o2755 },
    sticky: { dir: {}, mode: 0o1777 },
    empty: {},
    'dir.tpl': { inner: 'inner\n' },
    'link-file': { link: 'a.tpl' },
    'link-dir': { link: 'templates' },
    'link-broken': { link: 'nowhere' },
  };
}

function otherSpec(): Spec {
  return {
    'a.tpl': 'ALPHA TEMPLATE\n', // same size, other content
    'c.txt': { 'now-a-dir': 'dir replaces file\n' },
    'run.sh': { link: 'a.tpl' }, // symlink replaces file
    'link-file': 'file replaces symlink\n',
    empty: 'file replaces empty dir\n',
    secret: { mode: 0o644, content: 'public\n' },
    templates: { 'x.tpl': 'other x\n', 'new.tpl': 'new\n', sub: { 'y.tpl': 'other y\n' } },
    '.hidden': 'other hidden\n',
  };
}

/**
 * Past mtimes with sub-second parts for every item: rsync leaves an mtime in the same second
 * alone, so "now"-ish fixture times would make directory times depend on the clock.
 */
async function pinTimes(root: string, base: number): Promise<void> {
  let n = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    if (st.isDirectory()) for (const name of (await fs.readdir(p)).sort()) await walk(path.join(p, name));
    const t = base + n++ * 7 + 0.123456;
    if (st.isSymbolicLink()) await fs.lutimes(p, t, t);
    else await fs.utimes(p, t, t);
  };
  await walk(root);
}

async function standardFixture(ws: string): Promise<void> {
  await writeTree(path.join(ws, 'src'), mainSpec());
  await writeTree(path.join(ws, 'other'), otherSpec());
  await pinTimes(path.join(ws, 'src'), FIXED_MTIME - 100_000);
  await pinTimes(path.join(ws, 'other'), FIXED_MTIME - 50_000);
  // a file where the first copy creates a non-empty directory: rsync refuses to replace it
  await writeTree(path.join(ws, 'clash'), { templates: 'not a dir\n', 'c.txt': 'fine\n' });
  // same size and same mtime, different content: the quick check skips the second file
  // (rsync compares whole seconds: h.txt differs only in the fraction and is skipped too)
  await writeTree(path.join(ws, 'qa'), {
    'f.txt': { content: 'aaaa\n', mtime: FIXED_MTIME },
    'g.txt': { content: 'gggg\n', mtime: FIXED_MTIME },
    'h.txt': { content: 'hhhh\n', mtime: FIXED_MTIME + 0.25 },
  });
  await writeTree(path.join(ws, 'qb'), {
    'f.txt': { content: 'bbbb\n', mtime: FIXED_MTIME },
    'g.txt': { content: 'GGGG\n', mtime: FIXED_MTIME + 1 },
    'h.txt': { content: 'HHHH\n', mtime: FIXED_MTIME + 0.75 },
  });
  await writeTree(path.join(ws, 'onlylink'), { l: { link: 'x' } });
  await writeTree(path.join(ws, 'onlyexcluded'), { 'a.bak': 'x\n' });
}

const R = (...args: string[]): string[] => ['rsync', ...args];

const CASES: DiffCase[] = [
  { name: 'recipe default', steps: [R('-rlp', '--exclude', '.*', 'src/', '{D}')] },
  {
    name: 'recipe templates filter',
    steps: [R('-rlp', '--exclude', '.*', '--include', '/templates/', '--include', '/templates/*.tpl', '--exclude', '/templates/*', 'src/', '{D}')],
  },
  { name: 'no -l skips symlinks, no -p masks modes', steps: [R('-r', 'src/', '{D}')] },
  { name: 'named source dir', steps: [R('-rl', 'src', '{D}')] },
  { name: 'named source, dest with trailing slash', steps: [R('-rlp', '--exclude', '/src/templates/sub', 'src', '{D}/')] },
  { name: 'times', steps: [R('-rlpt', '--exclude', '.git/', 'src/', '{D}')], times: true },
  { name: 'archive', steps: [R('-a', '--exclude', '.*', 'src/', '{D}')], times: true },
  { name: 'include dirs and *.tpl only', steps: [R('-rlp', '--include', '*/', '--include', '*.tpl', '--exclude', '*', 'src/', '{D}')] },
  { name: 'unanchored dir-only and suffix', steps: [R('-rlp', '--exclude', '*.bak', '--exclude', 'sub/', 'src/', '{D}')] },
  { name: 'anchored top-level only', steps: [R('-rlp', '--exclude', '/sub', '--exclude', '/*.tpl', 'src/', '{D}')] },
  { name: 'unanchored with slash', steps: [R('-rlp', '--exclude', 'templates/*.tpl', '--exclude', 'sub/*', 'src/', '{D}')] },
  { name: 'double star', steps: [R('-rlp', '--exclude', '**/sub/*.tpl', '--exclude', 'templates/**/w.tpl', 'src/', '{D}')] },
  { name: 'prefix double star', steps: [R('-rlp', '--exclude', '**.tpl', '--exclude', '/**/q.txt', 'src/', '{D}')] },
  { name: 'triple star include', steps: [R('-rlp', '--include', '/templates/***', '--include', 'sgid/***', '--exclude', '*', 'src/', '{D}')] },
  { name: 'triple star exclude', steps: [R('-rlp', '--exclude', '/templates/sub/***', '--exclude', 'private/***', 'src/', '{D}')] },
  { name: 'question mark and classes', steps: [R('-rlp', '--exclude', '?.tpl', '--exclude', '[ab].*', '--exclude', '*[[:digit:]]', '--exclude', 'br\\[1\\].txt', 'src/', '{D}')] },
  { name: 'negated classes and ranges', steps: [R('-rlp', '--exclude', '[!a-c]*.txt', '--exclude', '[]s]*', '--exclude', '*.[^t]*', 'src/', '{D}')] },
  { name: 'dir-only vs same-named file pattern', steps: [R('-rlp', '--exclude', '*.tpl/', '--exclude', 'link-*/', 'src/', '{D}')] },
  { name: 'named sub dir with rules', steps: [R('-rlp', '--exclude', '.*', '--exclude', '/templates/sub', 'src/templates', '{D}')] },
  { name: 'single file to new name', steps: [R('-rlp', 'src/a.tpl', '{D}')] },
  { name: 'single file into new dir', steps: [R('-rlp', 'src/run.sh', '{D}/')] },
  { name: 'single file onto existing file', steps: [R('-rlp', 'src/a.tpl', '{D}'), R('-rlp', 'src/run.sh', '{D}')] },
  { name: 'everything excluded: nothing created', steps: [R('-rlp', '--exclude', 'a.bak', 'onlyexcluded', '{D}')] },
  { name: 'everything excluded below a named dir: copied as the name', steps: [R('-rlp', '--exclude', 'a.bak', 'onlyexcluded/', '{D}')] },
  { name: 'dir holding only a skipped symlink', steps: [R('-r', 'onlylink', '{D}')] },
  { name: 'non-recursive', steps: [R('-lp', 'src/a.tpl', 'src/link-file', 'src/templates', 'src/', '{D}/')] },
  { name: 'non-recursive, excluded dir is not reported', steps: [R('-lp', '--exclude', 'sub', '--exclude', '*.bak', 'src/sub', 'src/b.bak', 'src/', 'src/c.txt', '{D}')] },
  { name: 'symlinked source root with trailing slash', steps: [R('-rlp', 'src/link-dir/', '{D}')] },
  { name: 'old-style prefixes and list clearing', steps: [R('-rlp', '--exclude', 'a.tpl', '--exclude', '!', '--exclude', '+ *.tpl', '--include', '- *.txt', 'src/', '{D}')] },
  {
    name: 'overlay: second copy replaces files, links and types',
    steps: [R('-rlp', '--exclude', '.*', 'src/', '{D}'), R('-rlp', 'other/', '{D}')],
  },
  { name: 'overlay without -p keeps existing modes', steps: [R('-rl', 'src/', '{D}'), R('-rl', 'other/', '{D}')] },
  { name: 'overlay of a file onto a non-empty dir fails like rsync', steps: [R('-rlp', 'src/', '{D}'), R('-rlp', 'clash/', '{D}')], expectFailure: true },
  { name: 'two sources in one command', steps: [R('-rlp', '--exclude', '.*', 'src/', 'other/', '{D}')] },
  { name: 'named and dot sources mixed', steps: [R('-rl', 'other/templates', 'src/', '{D}')] },
  { name: 'quick check skips same size + mtime', steps: [R('-rt', 'qa/', '{D}'), R('-rt', 'qb/', '{D}')], times: true },
  {
    name: 'quick check against an existing file in the same second, without -t',
    pre: async (d) => writeTree(d, { 'f.txt': { content: 'zzzz\n', mtime: FIXED_MTIME + 0.9 }, 'g.txt': { content: 'zzzz\n', mtime: FIXED_MTIME + 2 } }),
    steps: [R('-r', 'qa/', '{D}')], // without -t new files get "now": compare contents only
  },
  { name: 'checksum sees through same size + mtime', steps: [R('-rtc', 'qa/', '{D}'), R('-rtc', 'qb/', '{D}')], times: true },
  {
    name: 'pre-existing destination content',
    pre: async (d) => {
      await writeTree(d, { keep: 'untouched\n', 'a.tpl': { mode: 0o600, content: 'old\n' }, templates: { sub: { deep: { extra: 'x\n' } } }, 'dir.tpl': 'was a file\n', 'link-dir': { other: 'o\n' } });
      await fs.chmod(d, 0o750);
    },
    steps: [R('-rl', 'src/', '{D}')],
    expectFailure: true,
  },
  { name: 'existing destination root gets -p modes', pre: async (d) => writeTree(d, { x: 'x\n' }), steps: [R('-rlp', 'src/private/', '{D}')] },
];

describe.skipIf(!hasRsync)('runRsyncCopy vs real rsync', () => {

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { b, written } = await differential(c, standardFixture);
    if (c.steps.length === 1 && !c.pre && written) {
      // every written path exists, and everything in a fresh destination was written
      const inTree = Object.keys(b).filter((k) => b[k] !== 'absent');
      expect(new Set(written)).toEqual(new Set(inTree.filter((k) => k !== '.' || written.includes('.'))));
    }
  });

  it('treats special files like rsync without -D', async () => {
    const fixture = async (ws: string): Promise<void> => {
      await writeTree(path.join(ws, 'src'), { f: 'f\n', d: {} });
      const mk = spawnSync('mkfifo', [path.join(ws, 'src', 'fifo'), path.join(ws, 'src', 'd', 'fifo')]);
      if (mk.status !== 0) throw new Error('mkfifo failed');
    };
    await differential({ name: 'fifo', steps: [R('-rlp', 'src/', '{D}'), R('-rlp', 'src/d', '{D}2')] }, fixture);
    const copy = parseRsyncArgv(R('-rlpD', 'src/', 'x'))!;
    await expect(runRsyncCopy(copy, tmp(`case${caseNo}`), { log: () => undefined })).rejects.toThrow(/special file/);
  });

  it('matches rsync on random trees and rule lists (seeded)', async () => {
    const rand = mulberry32(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const randomRules = (): string[] => {
      const rules: string[] = [];
      const n = Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) rules.push(rand() < 0.4 ? '--include' : '--exclude', rand() < 0.6 ? pick(PATTERNS) : composePattern(rand));
      return rules;
    };
    for (let t = 0; t < 5; t++) {
      const spec = randomTree(rand, 3);
      const spec2 = randomTree(rand, 3);
      const fixture = async (ws: string): Promise<void> => {
        await writeTree(path.join(ws, 'r'), spec);
        await writeTree(path.join(ws, 'r2'), spec2);
        await pinTimes(path.join(ws, 'r'), FIXED_MTIME - 30_000);
        await pinTimes(path.join(ws, 'r2'), FIXED_MTIME - 20_000);
      };
      for (let k = 0; k < 8; k++) {
        const flags = pick(['-r', '-rl', '-rlp', '-rlpt', '-a']);
        const steps = [R(flags, ...randomRules(), pick(['r/', 'r', 'r/templates', 'r/.']), '{D}')];
        // overlay a second tree into the same destination (types may clash: rsync may fail)
        if (rand() < 0.35) steps.push(R(flags, ...randomRules(), pick(['r2/', 'r2']), '{D}'));
        const name = `tree ${t}: ${steps.map((s) => s.slice(1).join(' ')).join(' ; ')}`;
        await differential({ name, steps, times: /t|a/.test(flags), expectFailure: 'any' }, fixture);
      }
    }
  });
});

describe.skipIf(!hasRsync)('runRsyncCopy hooks and results', () => {
  let ws = '';
  beforeAll(async () => {
    ws = await fs.mkdtemp(path.join(os.tmpdir(), 'provd-rsync-hooks-'));
    await writeTree(path.join(ws, 'src'), { 'a.tpl': 'a\n', '.hidden': 'h\n', sub: { 'b.tpl': 'b\n' }, l: { link: 'a.tpl' } });
  });
  afterAll(async () => {
    if (ws) await fs.rm(ws, { recursive: true, force: true });
  });

  it('calls the guard for every source path that is transferred, before reading it', async () => {
    const seen: string[] = [];
    const copy = parseRsyncArgv(R('-rlp', '--exclude', '.*', 'src/', 'out1'))!;
    const written = await runRsyncCopy(copy, ws, { guard: (p) => seen.push(path.relative(ws, p)) });
    expect(seen.sort()).toEqual(['src', 'src/a.tpl', 'src/l', 'src/sub', 'src/sub/b.tpl']);
    expect(written).toEqual(['.', 'a.tpl', 'l', 'sub', 'sub/b.tpl']);
  });

  it('stops before writing anything when the guard refuses a path', async () => {
    const copy = parseRsyncArgv(R('-rlp', 'src/', 'out2'))!;
    const guard = (p: string): void => {
      if (p.endsWith('b.tpl')) throw new Error(`refused ${p}`);
    };
    await expect(runRsyncCopy(copy, ws, { guard })).rejects.toThrow(/refused/);
    await expect(fs.lstat(path.join(ws, 'out2'))).rejects.toThrow();
  });

  it('reports per-item failures together after finishing the rest', async () => {
    await writeTree(path.join(ws, 'out3'), { sub: { 'b.tpl': { 'x': 'x\n' } } });
    const copy = parseRsyncArgv(R('-rlp', 'src/', 'out3'))!;
    const err = await runRsyncCopy(copy, ws, { log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RsyncCopyError);
    expect((err as RsyncCopyError).problems).toEqual(['cannot delete non-empty directory: sub/b.tpl', 'could not make way for new regular file: sub/b.tpl']);
    expect(await fs.readFile(path.join(ws, 'out3', 'a.tpl'), 'utf8')).toBe('a\n');
  });

  it('fails like rsync when the destination parent is missing', async () => {
    const copy = parseRsyncArgv(R('-r', 'src/', 'missing/out'))!;
    await expect(runRsyncCopy(copy, ws, { log: () => undefined })).rejects.toThrow(/mkdir .* failed/);
    expect(spawnSync('rsync', ['-r', 'src/', 'missing/out'], { cwd: ws }).status).not.toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// random trees

const PATTERNS = [
  '*.tpl', '*.bak', '.*', '*/', '*', '/templates/', '/templates/*', '/templates/*.tpl', 'templates/*.tpl', 'templates/',
  '**/*.tpl', '**/sub/**', 'sub/', '/sub/***', 'sub/***', 'templates/**', '**', '/**/x.tpl', 'a?', '?', '[ab]*', '[!a]*',
  '*.t[p-z]l', 'x.tpl', '/a', 'a', 'd*/', 'sub/*.txt', '/r/templates', '/r/sub/', 'r/*', '/templates/sub/***', '*/*.tpl',
  '.git/', '**.bak', 'sub/**/', '[[:upper:]]*', '/*/', 'l*', 'templates/sub', '*[0-9]*', '/**/', '**/',
];

// Building blocks for generated patterns, so that the wildcard translation meets odd combinations.
const TOKENS = [
  '*', '*', '**', '***', '?', '/', '/', 'a', 'b', 'x', '.', 'tpl', 'sub', 'templates', '[ab]', '[!a]', '[^.]', '[]a]',
  '[a-c]', '[z-a]', '[[:alpha:]]', '[[:digit:]]', '[[:bogus:]]', '[a', '\\*', '\\', '-', '[x-]', '[[]', 'é', '1',
];

function composePattern(rand: () => number): string {
  let p = '';
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) p += TOKENS[Math.floor(rand() * TOKENS.length)];
  return p;
}

const NAMES = ['a', 'b', 'A', 'x.tpl', 'y.bak', 'c.txt', '.hid', '.git', 'templates', 'sub', 'd1', 'l1', 'ab', 'r', 'q.tpl', 'é'];

function randomTree(rand: () => number, depth: number): Spec {
  const spec: Spec = {};
  const count = 2 + Math.floor(rand() * 6);
  // "templates" and "sub" show up often so that path rules have something to match
  if (depth === 3) spec.templates = { 'x.tpl': 'x\n', sub: { 'y.tpl': 'y\n', 'z.bak': 'z\n' } };
  for (let i = 0; i < count; i++) {
    const name = NAMES[Math.floor(rand() * NAMES.length)];
    if (name in spec) continue;
    const r = rand();
    if (depth > 0 && r < 0.35) spec[name] = randomTree(rand, depth - 1);
    else if (r < 0.45) spec[name] = { link: NAMES[Math.floor(rand() * NAMES.length)] };
    else if (depth > 0 && r < 0.5) spec[name] = { dir: randomTree(rand, depth - 1), mode: 0o750 };
    else spec[name] = { content: `${name} ${Math.floor(rand() * 1000)}\n`, mode: [0o644, 0o600, 0o755][Math.floor(rand() * 3)] };
  }
  return spec;
}
