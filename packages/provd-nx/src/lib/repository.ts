/**
 * A provd repository: `testing/`, `stable/` and `archive/` channels, each a folder of
 * packages plus `plugins.db`. Three backends hide where the folder lives:
 *  - a local folder (atomic temp + fsync + rename writes, an O_EXCL-style lock file);
 *  - rsync, over ssh (`user@host:path`, honours RSYNC_RSH) or to a daemon (`rsync://`);
 *  - HTTP(S), read-only: what provd itself sees.
 *
 * Backends move whole files by name and know nothing about the index: the
 * publishing rules live in channel.ts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PublishOutcome, PublishRequest } from './channel';
import { HttpUploadChannel, TOKEN_ENV } from './http-upload';

export type ChannelName = 'testing' | 'stable' | 'archive';
export const CHANNEL_NAMES: readonly ChannelName[] = ['testing', 'stable', 'archive'];

export interface UploadOptions {
  /**
   * Leave an existing file alone instead of replacing it. Publishing uses this so that
   * a package some index may already reference is never overwritten; the caller reads
   * the file back to learn whose bytes are there.
   */
  ifAbsent?: boolean;
}

export interface LockOptions {
  /** Give up waiting after this long (default 60 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long is taken as abandoned (default 120 s). */
  staleMs?: number;
  /** Told when a stale lock is broken or while waiting. */
  log?: (line: string) => void;
}

export interface ChannelBackend {
  /** Printable, no credentials. */
  readonly location: string;
  /** null when absent. */
  readText(name: string): Promise<string | null>;
  /** false when absent. */
  download(name: string, localFile: string): Promise<boolean>;
  /** File names in the channel (no dirs, no dot files: temp and lock files stay hidden). */
  list(): Promise<string[]>;
  /** Atomic: readers see the old file or the whole new one. */
  upload(localFile: string, name: string, opts?: UploadOptions): Promise<void>;
  /** Atomic the same way. */
  writeText(name: string, text: string): Promise<void>;
  /** No error if absent. */
  remove(name: string): Promise<void>;
  /** Resolves to release() once this channel's index lock is ours. */
  lock(owner: string, opts?: LockOptions): Promise<() => Promise<void>>;
  /** Remove what writers killed mid-write left behind (temp files), where the backend can tell. */
  tidy?(): Promise<void>;
  /** Backends whose server publishes itself (checks, indexes under its lock, archives) in one request. */
  publishHere?(req: PublishRequest): Promise<PublishOutcome>;
  copyHere?(from: ChannelBackend, pluginId: string): Promise<PublishOutcome>;
}

/** Run `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export interface Repository {
  location: string;
  channel(name: ChannelName): ChannelBackend;
}

export const DEFAULT_REPOSITORY = 'dist/repository';
export const LOCK_FILE = '.plugins.db.lock';
const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const DEFAULT_STALE_MS = 120_000;
export const HTTP_READ_ONLY = 'HTTP channels are read-only; publish over a folder or rsync';

/** PROVD_REPOSITORY overrides the configured repository. */
export function repositoryLocation(configured: string | undefined): string {
  const fromEnv = process.env.PROVD_REPOSITORY;
  if (fromEnv && fromEnv.trim()) return fromEnv.trim();
  return configured && configured.trim() ? configured.trim() : DEFAULT_REPOSITORY;
}

export type LocationKind = 'local' | 'ssh' | 'rsyncd' | 'http';

/** Which backend a location string names; the rule for remotes is rsync's own (a ':' before any '/'). */
export function locationKind(location: string): LocationKind {
  if (/^https?:\/\//i.test(location)) return 'http';
  if (/^rsync:\/\//i.test(location)) return 'rsyncd';
  if (/^[^/]*:/.test(location)) return 'ssh';
  return 'local';
}

export function openRepository(location: string, workspaceRoot: string): Repository {
  const kind = locationKind(location);
  let make: (name: ChannelName) => ChannelBackend;
  let printable: string;
  if (kind === 'local') {
    const root = path.resolve(workspaceRoot, location);
    printable = root;
    make = (name) => new LocalChannel(path.join(root, name));
  } else if (kind === 'http') {
    const { url, headers, printable: p } = splitHttpCredentials(location);
    printable = p;
    const token = process.env[TOKEN_ENV]?.trim();
    if (token) make = (name) => new HttpUploadChannel(url.replace(/\/+$/, ''), name, token, `${p.replace(/\/+$/, '')}/${name}`, headers);
    else make = (name) => new HttpChannel(`${url.replace(/\/+$/, '')}/${name}`, headers, `${p.replace(/\/+$/, '')}/${name}`);
  } else {
    printable = location;
    make = (name) => new RsyncChannel(remoteJoin(location, name), kind);
  }
  const channels = new Map<ChannelName, ChannelBackend>();
  return {
    location: printable,
    channel(name: ChannelName): ChannelBackend {
      if (!CHANNEL_NAMES.includes(name)) throw new Error(`unknown channel ${JSON.stringify(name)} (expected ${CHANNEL_NAMES.join(', ')})`);
      let ch = channels.get(name);
      if (!ch) channels.set(name, (ch = make(name)));
      return ch;
    },
  };
}

// ---------------------------------------------------------------------------
// Pure helpers

/** A channel file name: one path component, no tricks. */
function checkName(name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`invalid channel file name ${JSON.stringify(name)}`);
  }
  return name;
}

/** rsync expands wildcards in remote source paths and reads a leading '-' as an option. */
function checkRemoteName(name: string): string {
  checkName(name);
  if (!/^[A-Za-z0-9._+~-]+$/.test(name) || name.startsWith('-')) {
    throw new Error(`channel file name ${JSON.stringify(name)} is not safe to pass to rsync`);
  }
  return name;
}

function remoteJoin(base: string, name: string): string {
  if (/:$/.test(base)) return `${base}${name}`; // `host:` is the remote home: keep it relative
  return `${base.replace(/\/+$/, '')}/${name}`;
}

function splitHttpCredentials(location: string): { url: string; headers: Record<string, string>; printable: string } {
  const u = new URL(location);
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const url = u.toString();
  return { url, headers, printable: url };
}

const HOST_TAG = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';

interface LockInfo {
  owner: string;
  pid: number;
  host: string;
  time: string;
  token: string;
}

function lockContent(owner: string, token: string): string {
  const info: LockInfo = { owner, pid: process.pid, host: os.hostname(), time: new Date().toISOString(), token };
  return `${JSON.stringify(info)}\n`;
}

function parseLockInfo(text: string): Partial<LockInfo> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Partial<LockInfo>) : null;
  } catch {
    return null;
  }
}

function describeHolder(info: Partial<LockInfo> | null): string {
  if (!info) return 'an unknown holder (unreadable lock file)';
  return `${info.owner ?? '?'} (pid ${info.pid ?? '?'} on ${info.host ?? '?'}, since ${info.time ?? '?'})`;
}

/** Same host and the pid no longer exists: the holder died without releasing. */
function holderIsDeadHere(info: Partial<LockInfo> | null): boolean {
  if (!info || info.host !== os.hostname() || typeof info.pid !== 'number') return false;
  return !pidAlive(info.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Short jittered waits that grow a little, so waiters do not retry in lock step. */
function backoff(attempt: number): number {
  const base = Math.min(20 * 1.5 ** attempt, 250);
  return base / 2 + Math.random() * base;
}

function timeoutError(what: string, timeoutMs: number, holder: Partial<LockInfo> | null): Error {
  return new Error(
    `timed out after ${timeoutMs} ms waiting for the lock ${what} held by ${describeHolder(holder)}; ` +
      'if that publish is gone, the lock is broken automatically once stale',
  );
}

function tempName(name: string, suffix = 'tmp'): string {
  return `.${name}~${process.pid}~${HOST_TAG}~${randomBytes(6).toString('hex')}.${suffix}`;
}

const TEMP_RE = /^\..*~(\d+)~([^~]*)~[0-9a-f]+\.(tmp|broken)$/;
const TEMP_MAX_AGE_MS = 24 * 3600_000;

// ---------------------------------------------------------------------------
// Local folder

async function fsyncPath(p: string, flags: string): Promise<void> {
  const fh = await fsp.open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class LocalChannel implements ChannelBackend {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  private file(name: string): string {
    return path.join(this.dir, checkName(name));
  }

  async readText(name: string): Promise<string | null> {
    try {
      return await fsp.readFile(this.file(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async download(name: string, localFile: string): Promise<boolean> {
    try {
      // copyFile reads one open inode: a concurrent rename-over cannot mix two versions.
      await fsp.copyFile(this.file(name), localFile);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(this.file(name))) return false;
      throw e;
    }
  }

  async list(): Promise<string[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(this.dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return entries
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  }

  /** Writes a complete, fsynced temp file next to `name`, then `place`s it. */
  private async writeVia(name: string, fill: (tmp: string) => Promise<void>, opts: UploadOptions = {}): Promise<void> {
    const dest = this.file(name);
    await fsp.mkdir(this.dir, { recursive: true });
    await this.sweepTemps();
    const tmp = path.join(this.dir, tempName(name));
    try {
      await fill(tmp);
      await fsp.chmod(tmp, 0o644);
      await fsyncPath(tmp, 'r+');
      if (opts.ifAbsent) {
        // link() never replaces: an existing file wins and ours is dropped.
        try {
          await fsp.link(tmp, dest);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      } else {
        await fsp.rename(tmp, dest);
      }
      await fsyncPath(this.dir, 'r');
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  upload(localFile: string, name: string, opts?: UploadOptions): Promise<void> {
    return this.writeVia(name, (tmp) => fsp.copyFile(localFile, tmp, fs.constants.COPYFILE_EXCL), opts);
  }

  writeText(name: string, text: string): Promise<void> {
    return this.writeVia(name, (tmp) => fsp.writeFile(tmp, text, { flag: 'wx' }));
  }

  async remove(name: string): Promise<void> {
    await fsp.rm(this.file(name), { force: true });
  }

  /**
   * `.plugins.db.lock` is created exclusively: the content goes to a temp file first and
   * link() puts it in place (exclusive like O_EXCL, and no reader ever sees an empty
   * lock). The holder keeps the temp file's descriptor and bumps the lock's mtime
   * through it every staleMs/4, so only its own inode is touched even if it lost the lock.
   * A dead pid only counts for a lock written under this host name (processes in other
   * containers or machines sharing the folder are judged by mtime alone).
   */
  async lock(owner: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    const lockPath = path.join(this.dir, LOCK_FILE);
    await fsp.mkdir(this.dir, { recursive: true });
    const token = randomBytes(16).toString('hex');
    const deadline = Date.now() + timeoutMs;
    let lastHolder: Partial<LockInfo> | null = null;
    for (let attempt = 0; ; attempt++) {
      const held = await this.tryCreateLock(lockPath, owner, token);
      if (held) {
        await this.sweepTemps();
        return this.holding(lockPath, token, held, staleMs);
      }
      const seen = await readLockFile(lockPath);
      if (seen) {
        lastHolder = seen.info;
        const stale = holderIsDeadHere(seen.info) || Date.now() - seen.mtimeMs > staleMs;
        if (stale && (await breakLocalLock(lockPath, seen.ino))) {
          opts.log?.(`broke the stale lock ${lockPath} of ${describeHolder(seen.info)}`);
          continue;
        }
      }
      if (Date.now() >= deadline) throw timeoutError(lockPath, timeoutMs, lastHolder);
      await sleep(Math.min(backoff(attempt), Math.max(0, deadline - Date.now())));
    }
  }

  private async tryCreateLock(lockPath: string, owner: string, token: string): Promise<fsp.FileHandle | null> {
    const tmp = path.join(this.dir, tempName(LOCK_FILE));
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(lockContent(owner, token));
      await fh.sync();
      await fsp.link(tmp, lockPath);
      return fh;
    } catch (e) {
      await fh.close();
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw e;
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  private holding(lockPath: string, token: string, fh: fsp.FileHandle, staleMs: number): () => Promise<void> {
    const timer = setInterval(() => {
      const now = new Date();
      fh.utimes(now, now).catch(() => undefined);
    }, Math.max(10, staleMs / 4));
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        // Only remove the lock if it is still ours: a holder judged stale may have been replaced.
        const seen = await readLockFile(lockPath);
        if (seen?.info?.token === token) await fsp.rm(lockPath, { force: true });
      } finally {
        await fh.close();
      }
    };
  }

  tidy(): Promise<void> {
    return this.sweepTemps();
  }

  /** Temp files of dead local processes (a publish killed mid-upload), or very old ones. */
  private async sweepTemps(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = TEMP_RE.exec(name);
      if (!m) continue;
      const p = path.join(this.dir, name);
      const dead = m[2] === HOST_TAG && !pidAlive(Number(m[1]));
      try {
        if (dead || Date.now() - (await fsp.stat(p)).mtimeMs > TEMP_MAX_AGE_MS) await fsp.rm(p, { force: true });
      } catch {
        // gone already
      }
    }
  }
}

async function readLockFile(lockPath: string): Promise<{ info: Partial<LockInfo> | null; mtimeMs: number; ino: number } | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(lockPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    // Content, mtime and inode from the same open file.
    const st = await fh.stat();
    const text = await fh.readFile('utf8');
    return { info: parseLockInfo(text), mtimeMs: st.mtimeMs, ino: st.ino };
  } finally {
    await fh.close();
  }
}

/**
 * Breaks the stale lock with inode `ino`: rename it to a unique name (only one breaker's
 * rename can succeed), then delete it. If the lock was replaced between our look and the
 * rename, we grabbed a fresh lock: put it back. Returns whether a stale lock was removed.
 */
async function breakLocalLock(lockPath: string, ino: number): Promise<boolean> {
  const dir = path.dirname(lockPath);
  const broken = path.join(dir, tempName(LOCK_FILE, 'broken'));
  try {
    if ((await fsp.stat(lockPath)).ino !== ino) return false;
    await fsp.rename(lockPath, broken);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if ((await fsp.stat(broken)).ino !== ino) {
    // A live lock: restore it unless yet another locker already took the free slot.
    await fsp.link(broken, lockPath).catch(() => undefined);
    await fsp.rm(broken, { force: true });
    return false;
  }
  await fsp.rm(broken, { force: true });
  return true;
}

// ---------------------------------------------------------------------------
// rsync (ssh or daemon)

interface RsyncResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runRsync(args: string[]): Promise<RsyncResult> {
  return new Promise((resolve, reject) => {
    // No shell; the environment passes through so RSYNC_RSH / RSYNC_PASSWORD apply.
    const child = spawn('rsync', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 16_384) stderr += s;
    });
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('rsync not found on PATH (install the rsync package)') : e),
    );
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** rsync exits 23 ("partial transfer") when the source path does not exist. */
function isMissing(r: RsyncResult): boolean {
  return r.code === 23 && /No such file or directory/.test(r.stderr);
}

let mkpathSupport: Promise<boolean> | undefined;
/** --mkpath (rsync >= 3.2.3) creates the channel folder and its parents on upload. */
function rsyncHasMkpath(): Promise<boolean> {
  mkpathSupport ??= runRsync(['--version']).then(
    (r) => {
      const m = /version\s+(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
      if (!m) return false;
      const [maj, min, pat] = m.slice(1).map(Number);
      return maj > 3 || (maj === 3 && (min > 2 || (min === 2 && pat >= 3)));
    },
    () => false,
  );
  return mkpathSupport;
}

export class RsyncChannel implements ChannelBackend {
  constructor(
    /** `user@host:path/<channel>` or `rsync://host[:port]/module/path/<channel>`. */
    readonly remote: string,
    private readonly kind: 'ssh' | 'rsyncd',
  ) {}

  get location(): string {
    return this.remote;
  }

  private remoteFile(name: string): string {
    return `${this.remote}/${checkRemoteName(name)}`;
  }

  private async rsync(args: string[]): Promise<RsyncResult> {
    const common = ['--no-motd', '--timeout=120'];
    if (this.kind === 'rsyncd') common.push('--contimeout=30');
    return runRsync([...common, ...args]);
  }

  private fail(what: string, r: RsyncResult): Error {
    return new Error(`rsync ${what} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  private withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    return withTempDir('provd-remote-', fn);
  }

  async readText(name: string): Promise<string | null> {
    return this.withTempDir(async (dir) => {
      const local = path.join(dir, 'file');
      if (!(await this.download(name, local))) return null;
      return fsp.readFile(local, 'utf8');
    });
  }

  async download(name: string, localFile: string): Promise<boolean> {
    // -I: always transfer; a quick check could keep a stale local file with the same size and mtime.
    const r = await this.rsync(['-I', this.remoteFile(name), path.resolve(localFile)]);
    if (r.code === 0) return true;
    if (isMissing(r)) return false;
    throw this.fail(`download of ${this.remoteFile(name)}`, r);
  }

  async list(): Promise<string[]> {
    const r = await this.rsync(['--list-only', `${this.remote}/`]);
    if (isMissing(r)) return [];
    if (r.code !== 0) throw this.fail(`listing of ${this.remote}`, r);
    return parseRsyncListing(r.stdout);
  }

  async upload(localFile: string, name: string, opts: UploadOptions = {}): Promise<void> {
    // rsync writes a temp file next to the target and renames it: readers never see a partial file.
    const args = ['-I', '-p', '--chmod=F644'];
    if (opts.ifAbsent) args.push('--ignore-existing');
    if (await rsyncHasMkpath()) args.push('--mkpath');
    else await this.ensureFolder();
    const r = await this.rsync([...args, path.resolve(localFile), this.remoteFile(name)]);
    if (r.code !== 0) throw this.fail(`upload to ${this.remoteFile(name)}`, r);
  }

  /** Without --mkpath: sync an empty folder onto the channel path, which creates that last component. */
  private async ensureFolder(): Promise<void> {
    await this.withTempDir(async (dir) => {
      await fsp.chmod(dir, 0o755); // a new folder takes this mode: web servers must be able to read it
      const r = await this.rsync(['-d', '--exclude=*', `${dir}/`, `${this.remote}/`]);
      if (r.code !== 0) throw this.fail(`creating ${this.remote}`, r);
    });
  }

  async writeText(name: string, text: string): Promise<void> {
    await this.withTempDir(async (dir) => {
      const local = path.join(dir, 'file');
      await fsp.writeFile(local, text);
      await this.upload(local, name);
    });
  }

  async remove(name: string): Promise<void> {
    checkRemoteName(name);
    // Sync an empty folder with only `name` included: --delete removes it, the exclude protects the rest.
    await this.withTempDir(async (dir) => {
      const r = await this.rsync(['-r', '--delete', `--include=/${name}`, '--exclude=*', `${dir}/`, `${this.remote}/`]);
      if (r.code !== 0 && !isMissing(r)) throw this.fail(`removal of ${this.remoteFile(name)}`, r);
    });
  }

  /**
   * Best effort over rsync, which has no exclusive create or compare-and-swap:
   *  - acquire: upload `.plugins.db.lock` (our unique token inside) with --ignore-existing,
   *    read it back, and hold it only if the token is ours, checked twice a moment apart;
   *  - the holder re-uploads the file with a fresh time every staleMs/4; a lock whose
   *    recorded time is older than staleMs (or whose pid is dead on this very host) is
   *    removed and the race restarts.
   * Limits: the receiver checks "exists" and renames its temp file as two steps, so two
   * lockers starting within one transfer of each other could both see their own token
   * (the double read-back narrows, but does not close, that window); staleness is
   * judged with the waiter's clock against the holder's; and two waiters breaking the
   * same stale lock may remove a lock one of them just took. Use a local folder (or
   * serialize publishers in CI) when that matters.
   */
  async lock(owner: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    const token = randomBytes(16).toString('hex');
    const deadline = Date.now() + timeoutMs;
    const where = this.remoteFile(LOCK_FILE);
    const tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'provd-remote-lock-'));
    const local = path.join(tmpDir, 'lock');
    const ours = async () => parseLockInfo((await this.readText(LOCK_FILE)) ?? '')?.token === token;
    let lastHolder: Partial<LockInfo> | null = null;
    try {
      for (let attempt = 0; ; attempt++) {
        await fsp.writeFile(local, lockContent(owner, token));
        await this.upload(local, LOCK_FILE, { ifAbsent: true });
        const text = await this.readText(LOCK_FILE);
        const info = text === null ? null : parseLockInfo(text);
        if (info?.token === token) {
          await sleep(100 + Math.random() * 100);
          if (await ours()) return this.holding(local, tmpDir, owner, token, staleMs);
        } else if (text !== null) {
          lastHolder = info;
          const recorded = Date.parse(info?.time ?? '');
          const stale = holderIsDeadHere(info) || !(Date.now() - recorded <= staleMs);
          // Remove only what we judged: re-read right before, to narrow the race with a fresh lock.
          if (stale && (await this.readText(LOCK_FILE)) === text) {
            await this.remove(LOCK_FILE);
            opts.log?.(`broke the stale lock ${where} of ${describeHolder(info)}`);
            continue;
          }
        }
        if (Date.now() >= deadline) throw timeoutError(where, timeoutMs, lastHolder);
        await sleep(Math.min(backoff(attempt) * 4, Math.max(0, deadline - Date.now())));
      }
    } catch (e) {
      await fsp.rm(tmpDir, { recursive: true, force: true });
      throw e;
    }
  }

  private holding(local: string, tmpDir: string, owner: string, token: string, staleMs: number): () => Promise<void> {
    let refreshing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      refreshing = (async () => {
        // Refresh only our own lock: a holder judged stale must not overwrite its successor's.
        if (parseLockInfo((await this.readText(LOCK_FILE)) ?? '')?.token !== token) return;
        await fsp.writeFile(local, lockContent(owner, token));
        await this.upload(local, LOCK_FILE);
      })().catch(() => undefined);
    }, Math.max(50, staleMs / 4));
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        await refreshing;
        if (parseLockInfo((await this.readText(LOCK_FILE)) ?? '')?.token === token) await this.remove(LOCK_FILE);
      } finally {
        await fsp.rm(tmpDir, { recursive: true, force: true });
      }
    };
  }
}

/** File names from `rsync --list-only <dir>/` ("-rw-r--r--  1,234 2024/01/31 12:00:00 name"). */
export function parseRsyncListing(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S)\S{9}\s+[\d,.]+\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (.+)$/.exec(line);
    if (!m || m[1] !== '-') continue;
    if (!m[2].startsWith('.') && !m[2].includes('/')) names.push(m[2]);
  }
  return names.sort();
}

// ---------------------------------------------------------------------------
// HTTP(S), read-only

export class HttpChannel implements ChannelBackend {
  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    readonly location: string,
  ) {}

  private fileUrl(name: string): string {
    return `${this.url}/${encodeURIComponent(checkName(name))}`;
  }

  private async get(name: string): Promise<Response | null> {
    const res = await fetch(this.fileUrl(name), { headers: this.headers });
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${this.location}/${name}: HTTP ${res.status} ${res.statusText}`);
    }
    return res;
  }

  async readText(name: string): Promise<string | null> {
    const res = await this.get(name);
    return res ? res.text() : null;
  }

  async download(name: string, localFile: string): Promise<boolean> {
    const res = await this.get(name);
    if (!res) return false;
    const data = Buffer.from(await res.arrayBuffer());
    const tmp = path.join(path.dirname(path.resolve(localFile)), tempName(path.basename(localFile)));
    try {
      await fsp.writeFile(tmp, data, { flag: 'wx' });
      await fsp.rename(tmp, localFile);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return true;
  }

  /** HTTP has no directory listing: the files the index names, plus the index itself. */
  async list(): Promise<string[]> {
    const text = await this.readText('plugins.db');
    if (text === null) return [];
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return ['plugins.db'];
    }
    const names = new Set<string>(['plugins.db']);
    if (typeof data === 'object' && data !== null) {
      for (const entry of Object.values(data as Record<string, unknown>)) {
        const filename = (entry as { filename?: unknown } | null)?.filename;
        if (typeof filename === 'string') names.add(filename);
      }
    }
    return [...names].sort();
  }

  private readOnly(): never {
    throw new Error(`${this.location}: ${HTTP_READ_ONLY}`);
  }

  async upload(): Promise<void> {
    this.readOnly();
  }

  async writeText(): Promise<void> {
    this.readOnly();
  }

  async remove(): Promise<void> {
    this.readOnly();
  }

  async lock(): Promise<() => Promise<void>> {
    this.readOnly();
  }
}
