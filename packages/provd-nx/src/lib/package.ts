/**
 * Reproducible provd plugin packages: `<plugin-id>-<version>.tar.bz2` holding one
 * top-level directory named after the plugin id.
 *
 * The same source tree must give the same bytes on any clone, machine, umask or
 * file mtime, so the tar stream is written here rather than by `tar`'s Pack
 * (which follows readdir order and keeps umask-dependent modes, and whose header
 * formatting could change with an upgrade): entries sorted like GNU tar's
 * --sort=name, every header with uid/gid 0, empty owner names, a fixed mtime and
 * normalized modes, and a pax header only for a path or link target that ustar
 * cannot hold (it carries that path and nothing else, never times). Where every
 * path fits ustar, the tar is byte-identical to GNU tar's `--format=ustar
 * --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner` run on a copy with
 * normalized modes, which the spec checks.
 *
 * bzip2 is the Debian `bzip2` binary, spawned without a shell: its output depends
 * only on the input and the level. The in-process libbzip2-wasm was evaluated and
 * rejected: its decompressor stops at 10,000,000 output bytes, instantiating it
 * installs process-wide uncaughtException/unhandledRejection handlers, and it
 * was no faster than the binary on 2 cores.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVersion } from './provd-version';
import { Parser, type ReadEntry } from 'tar';

/** Seconds since the epoch written as the mtime of every entry. */
export const PACKAGE_MTIME = 0;

/** bzip2 block size level; a different level gives different (still valid) bytes. */
const BZIP2_LEVEL = '-9';
const BLOCK = 512;
/** GNU tar and Python pad archives to 20-block records; do the same. */
const RECORD = 20 * BLOCK;
/** Linux gives up path resolution after 40 symlinks; so does the tree check. */
const MAX_SYMLINK_HOPS = 40;
/** Largest size an 11-digit octal ustar field holds. */
const MAX_USTAR_SIZE = 0o77777777777;

export interface PackageEntry {
  /** Relative to the plugin folder, '/'-separated, no trailing slash. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** Bytes of content; 0 for directories and symlinks. */
  size: number;
  linkTarget?: string;
}

export interface PackageMember {
  /** As stored, without a directory's trailing slash (as Python's tarfile reports it). */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  size: number;
  linkTarget?: string;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
}

// ---------------------------------------------------------------------------
// Pure helpers

function checkPathComponent(what: string, value: string): void {
  if (!value || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
    throw new Error(`invalid ${what} for a package: ${JSON.stringify(value)}`);
  }
}

export function packageFileName(pluginId: string, version: string): string {
  checkPathComponent('plugin id', pluginId);
  checkPathComponent('version', version);
  return `${pluginId}-${version}.tar.bz2`;
}

/** The version a package file name carries for `pluginId`, or null if it is not one of its packages. */
export function packageFileVersion(name: string, pluginId: string, knownIds: Iterable<string> = []): string | null {
  const suffix = '.tar.bz2';
  if (!name.startsWith(`${pluginId}-`) || !name.endsWith(suffix)) return null;
  const version = name.slice(pluginId.length + 1, -suffix.length);
  if (!isVersion(version)) return null;
  // "xivo-aastra-3.3.1-1.0.0.tar.bz2" is plugin xivo-aastra-3.3.1's, not xivo-aastra's 3.3.1-1.0.0.
  for (const other of knownIds) {
    if (other.length > pluginId.length && other.startsWith(`${pluginId}-`) && packageFileVersion(name, other) !== null) return null;
  }
  return version;
}

/**
 * Byte order of the UTF-8 path components, the order of GNU tar's --sort=name: a
 * directory comes right before its contents ('a', 'a/z', 'a-b'). Independent of
 * locale and of JS's UTF-16 string order. Mapping '/' to NUL, which no name can
 * contain, makes a plain byte comparison do exactly that.
 */
export function comparePaths(a: string, b: string): number {
  const key = (p: string) => Buffer.from(p.replaceAll('/', '\0'), 'utf8');
  return Buffer.compare(key(a), key(b));
}

/** Modes that do not depend on umask or checkout: only "is any x bit set" survives. */
export function normalizeMode(type: PackageEntry['type'], statMode: number): number {
  if (type === 'directory') return 0o755;
  if (type === 'symlink') return 0o777;
  return statMode & 0o111 ? 0o755 : 0o644;
}

/**
 * Where a symlink at `linkPath` points inside the tree, following the tree's own
 * symlinks on the way like the OS would (a purely lexical check can be fooled by
 * `d/s -> .` plus `d/x -> s/../..`). Returns the resolved relative path ('' for
 * the plugin folder itself) or null when the target leaves the plugin folder.
 * A component missing from the tree is taken lexically: the OS would fail there.
 */
export function resolveSymlinkInTree(
  linkPath: string,
  byPath: ReadonlyMap<string, PackageEntry>,
): string | null {
  const link = byPath.get(linkPath);
  if (!link || link.type !== 'symlink' || link.linkTarget === undefined) {
    throw new Error(`${linkPath}: not a symlink of the tree`);
  }
  let hops = 0;
  const walk = (dir: string[], target: string, followLast: boolean): string[] | null => {
    if (target.startsWith('/')) return null;
    const cur = [...dir];
    const parts = target.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part === '..') {
        if (cur.length === 0) return null;
        cur.pop();
        continue;
      }
      cur.push(part);
      const entry = byPath.get(cur.join('/'));
      const isLast = i === parts.length - 1;
      // The last component is not followed: that symlink is checked on its own.
      if (entry?.type === 'symlink' && entry.linkTarget !== undefined && (!isLast || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new Error(`${linkPath}: too many levels of symbolic links`);
        }
        cur.pop();
        const next = walk(cur, entry.linkTarget, true);
        if (next === null) return null;
        cur.splice(0, cur.length, ...next);
      }
    }
    return cur;
  };
  const resolved = walk(linkPath.split('/').slice(0, -1), link.linkTarget, false);
  return resolved === null ? null : resolved.join('/');
}

/**
 * Validates the entries (symlinks stay inside the plugin folder) and sorts them.
 * `describe` turns a relative path into what the error names (the source path).
 */
export function sortAndCheckEntries(
  entries: readonly PackageEntry[],
  describe: (rel: string) => string = (rel) => rel,
): PackageEntry[] {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  const byPath = new Map(sorted.map((e) => [e.path, e] as const));
  for (const e of sorted) {
    if (e.type !== 'symlink') continue;
    const target = e.linkTarget ?? '';
    if (target.startsWith('/')) {
      throw new Error(`${describe(e.path)}: symlink target ${JSON.stringify(target)} is absolute`);
    }
    if (resolveSymlinkInTree(e.path, byPath) === null) {
      throw new Error(
        `${describe(e.path)}: symlink target ${JSON.stringify(target)} resolves outside the plugin folder`,
      );
    }
  }
  return sorted;
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field overflow: ${JSON.stringify(value)}`);
  bytes.copy(block, offset);
}

/** Zero-padded octal followed by NUL, as GNU tar and Python write it. */
function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new Error(`tar number field overflow: ${value}`);
  block.write(`${digits}\0`, offset, length, 'ascii');
}

/** Cuts UTF-8 bytes to at most `max` without splitting a character. */
function truncateUtf8(value: string, max: number): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= max) return value;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** ustar name/prefix split at a '/', or null when the path needs a pax header. */
function splitUstarName(name: string): { name: string; prefix: string } | null {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= 100) return { name, prefix: '' };
  // Longest prefix that fits, like Python; the slash at the very end (of a directory) cannot split.
  for (let i = Math.min(155, bytes.length - 2); i > 0; i--) {
    if (bytes[i] === 0x2f && bytes.length - i - 1 <= 100) {
      return { prefix: bytes.subarray(0, i).toString('utf8'), name: bytes.subarray(i + 1).toString('utf8') };
    }
  }
  return null;
}

interface HeaderFields {
  name: string;
  typeflag: string;
  mode: number;
  size: number;
  linkname?: string;
}

function ustarBlock(f: HeaderFields): Buffer {
  const split = splitUstarName(f.name) ?? { name: truncateUtf8(f.name, 100), prefix: '' };
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, split.name);
  writeOctal(block, 100, 8, f.mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, f.size);
  writeOctal(block, 136, 12, PACKAGE_MTIME);
  block.fill(0x20, 148, 156); // checksum counts as spaces while summing
  block.write(f.typeflag, 156, 1, 'ascii');
  writeString(block, 157, 100, truncateUtf8(f.linkname ?? '', 100));
  block.write('ustar\u000000', 257, 8, 'ascii');
  // uname and gname (265, 297) stay empty
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  writeString(block, 345, 155, split.prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** One pax record: "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body, 'utf8');
  let length = bodyLength + String(bodyLength).length;
  if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

function padToBlock(length: number): number {
  return (BLOCK - (length % BLOCK)) % BLOCK;
}

/** Header block(s) of one member: a pax header only when a path or link target does not fit ustar. */
export function tarHeader(f: HeaderFields): Buffer {
  if (f.size > MAX_USTAR_SIZE) throw new Error(`${f.name}: file too large for a package`);
  let pax = '';
  if (splitUstarName(f.name) === null) pax += paxRecord('path', f.name);
  if (f.linkname !== undefined && Buffer.byteLength(f.linkname, 'utf8') > 100) {
    pax += paxRecord('linkpath', f.linkname);
  }
  const header = ustarBlock(f);
  if (!pax) return header;
  const body = Buffer.from(pax, 'utf8');
  // Python's fixed pax header name: no basename, pid or time in it.
  const paxHeader = ustarBlock({ name: '././@PaxHeader', typeflag: 'x', mode: 0o644, size: body.length });
  return Buffer.concat([paxHeader, body, Buffer.alloc(padToBlock(body.length)), header]);
}

/** Headers and padding of the whole archive, with the file contents supplied by `content`. */
async function* tarStream(
  pluginId: string,
  entries: readonly PackageEntry[],
  content: (entry: PackageEntry) => AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  let written = 0;
  const emit = (chunk: Buffer): Buffer => {
    written += chunk.length;
    return chunk;
  };
  yield emit(tarHeader({ name: `${pluginId}/`, typeflag: '5', mode: 0o755, size: 0 }));
  for (const e of entries) {
    const name = `${pluginId}/${e.path}`;
    if (e.type === 'directory') {
      yield emit(tarHeader({ name: `${name}/`, typeflag: '5', mode: e.mode, size: 0 }));
    } else if (e.type === 'symlink') {
      yield emit(tarHeader({ name, typeflag: '2', mode: e.mode, size: 0, linkname: e.linkTarget ?? '' }));
    } else {
      yield emit(tarHeader({ name, typeflag: '0', mode: e.mode, size: e.size }));
      for await (const chunk of content(e)) yield emit(chunk);
      yield emit(Buffer.alloc(padToBlock(e.size)));
    }
  }
  const end = 2 * BLOCK;
  yield emit(Buffer.alloc(end + ((RECORD - ((written + end) % RECORD)) % RECORD)));
}

// ---------------------------------------------------------------------------
// I/O

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer, where: string): string {
  try {
    return utf8Strict.decode(raw);
  } catch {
    throw new Error(`${where}: name is not valid UTF-8`);
  }
}

export async function listPluginTree(pluginDir: string): Promise<PackageEntry[]> {
  const root = path.resolve(pluginDir);
  if (!(await fsp.stat(root)).isDirectory()) throw new Error(`${root}: plugin folder is not a directory`);
  const entries: PackageEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const dirAbs = rel ? path.join(root, rel) : root;
    for (const raw of await fsp.readdir(dirAbs, { encoding: 'buffer' })) {
      const name = decodeName(raw, path.join(dirAbs, raw.toString('utf8')));
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, childRel);
      const st = await fsp.lstat(abs);
      if (st.isDirectory()) {
        entries.push({ path: childRel, type: 'directory', mode: normalizeMode('directory', st.mode), size: 0 });
        await walk(childRel);
      } else if (st.isFile()) {
        entries.push({ path: childRel, type: 'file', mode: normalizeMode('file', st.mode), size: st.size });
      } else if (st.isSymbolicLink()) {
        const linkTarget = decodeName(await fsp.readlink(abs, { encoding: 'buffer' }), `${abs} (symlink target)`);
        entries.push({ path: childRel, type: 'symlink', mode: normalizeMode('symlink', st.mode), size: 0, linkTarget });
      } else {
        throw new Error(`${abs}: not a regular file, directory or symlink`);
      }
    }
  };
  await walk('');
  return sortAndCheckEntries(entries, (rel) => path.join(root, rel));
}

/** Exactly `entry.size` bytes of a file, failing if it changed since it was listed. */
async function* readExactly(abs: string, size: number): AsyncGenerator<Buffer> {
  // O_NOFOLLOW: a file swapped for a symlink after listing must not be followed.
  const fh = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size !== size) throw new Error(`${abs}: changed while packaging`);
    let remaining = size;
    while (remaining > 0) {
      const buf = Buffer.alloc(Math.min(remaining, 1 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, size - remaining);
      if (bytesRead === 0) throw new Error(`${abs}: changed while packaging`);
      remaining -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    const extra = await fh.read(Buffer.alloc(1), 0, 1, size);
    if (extra.bytesRead !== 0) throw new Error(`${abs}: changed while packaging`);
  } finally {
    await fh.close();
  }
}

/** bzip2 reads options from BZIP/BZIP2: drop them so the environment cannot change the bytes. */
function bzip2Env(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BZIP;
  delete env.BZIP2;
  return env;
}

function spawnBzip2(args: string[]) {
  const child = spawn('bzip2', args, { stdio: ['pipe', 'pipe', 'pipe'], env: bzip2Env() });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT' ? new Error('bzip2 not found on PATH (install the Debian bzip2 package)') : err,
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`bzip2 ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
  return { child, done };
}

/**
 * Runs bzip2 with `input` on stdin and `output` taking stdout; waits for every
 * side to settle so nothing still writes when the caller cleans up.
 */
async function runBzip2(
  args: string[],
  input: Readable,
  output: NodeJS.WritableStream,
  tap?: (chunk: Buffer) => void,
): Promise<void> {
  const { child, done } = spawnBzip2(args);
  const tapStream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      tap?.(chunk);
      cb(null, chunk);
    },
  });
  const feeding = pipeline(input, child.stdin);
  const draining = pipeline(child.stdout, tapStream, output);
  const [fed, exited, drained] = await Promise.allSettled([feeding, done, draining]);
  if (fed.status === 'rejected' || exited.status === 'rejected' || drained.status === 'rejected') {
    // Report the cause, not its echoes: a bzip2 that never started, else the
    // input's own error (a file changed, say) rather than the broken pipe it causes.
    if (exited.status === 'rejected' && child.pid === undefined) throw exited.reason;
    const echo = (e: unknown) =>
      ['EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED'].includes(String((e as NodeJS.ErrnoException)?.code));
    if (fed.status === 'rejected' && !echo(fed.reason)) throw fed.reason;
    if (exited.status === 'rejected') throw exited.reason;
    if (drained.status === 'rejected') throw drained.reason;
    throw (fed as PromiseRejectedResult).reason;
  }
}

export async function createPackage(
  pluginDir: string,
  pluginId: string,
  destFile: string,
): Promise<{ file: string; size: number; sha1: string }> {
  checkPathComponent('plugin id', pluginId);
  const root = path.resolve(pluginDir);
  const entries = await listPluginTree(root);
  const file = path.resolve(destFile);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // Same directory so the rename is atomic; a failed build leaves no package behind.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha1');
  let size = 0;
  try {
    // Byte mode keeps the read-ahead to ~1 MiB instead of 16 chunks of object mode.
    const tar = Readable.from(
      tarStream(pluginId, entries, (e) => readExactly(path.join(root, e.path), e.size)),
      { objectMode: false, highWaterMark: 1 << 20 },
    );
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true });
    await runBzip2([BZIP2_LEVEL, '-c'], tar, out, (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  return { file, size, sha1: hash.digest('hex') };
}

function memberType(entry: ReadEntry): PackageMember['type'] {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    default:
      return 'other';
  }
}

/** Parses an uncompressed tar held in memory. */
export async function parseTar(
  data: Buffer,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const members: PackageMember[] = [];
  const contents = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = entry.path.replace(/\/+$/, '');
        const type = memberType(entry);
        members.push({
          name,
          type,
          mode: (entry.mode ?? 0) & 0o7777,
          size: entry.size ?? 0,
          ...(entry.linkpath ? { linkTarget: entry.linkpath } : {}),
          mtime: entry.mtime ? Math.floor(entry.mtime.getTime() / 1000) : NaN,
          uid: entry.uid ?? NaN,
          gid: entry.gid ?? NaN,
          uname: entry.uname ?? '',
          gname: entry.gname ?? '',
        });
        if (type !== 'file') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => contents.set(name, Buffer.concat(chunks)));
      },
    });
    parser.on('error', reject);
    parser.on('close', () => resolve());
    parser.end(data);
  });
  return { members, read: (name: string) => contents.get(name) };
}

export async function readPackage(
  file: string,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await runBzip2(['-d', '-c'], fs.createReadStream(file), sink);
  return parseTar(Buffer.concat(chunks));
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
