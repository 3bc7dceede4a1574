/** A channel over rsync: ssh (`user@host:path`, honours RSYNC_RSH) or a daemon (`rsync://`). */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { withTempDir, makeTempDir } from '../fs/temp-dir';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STALE_MS, LOCK_FILE, parseLockInfo, LockInfo, lockContent, sleep, holderIsDeadHere, describeHolder, timeoutError, backoff, heartbeat } from './lock';
import { ChannelBackend, checkRemoteName, UploadOptions, LockOptions } from './backend';
import { timeoutSeconds, TIMEOUT_ENV } from './timeouts';
import { RepositoryMissingError, type ChannelOptions } from './backend';

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

/**
 * rsync exits 23 ("partial transfer") when the source path does not exist, and 24
 * when it vanished during the transfer (a lock released, an index swapped by another
 * publisher): either way the file is not there now.
 */
function isMissing(r: RsyncResult): boolean {
  return (r.code === 23 && /No such file or directory/.test(r.stderr)) || r.code === 24;
}

/** RSYNC_RSH (or ssh) with connect and keep-alive timeouts appended: ssh keeps the first value given, so the user's own win. */
function sshCommand(seconds: number): string {
  const base = process.env.RSYNC_RSH?.trim() || 'ssh';
  if (!/^(\S*\/)?ssh(\s|$)/.test(base)) return base;
  return `${base} -o ConnectTimeout=${seconds} -o ServerAliveInterval=${seconds} -o ServerAliveCountMax=1`;
}

/** The host part of `user@host:path` or `rsync://host[:port]/module`, for messages. */
function remoteHost(remote: string): string {
  const daemon = /^rsync:\/\/([^/]+)/i.exec(remote);
  if (daemon) return daemon[1];
  return remote.slice(0, remote.indexOf(':')) || remote;
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
    private readonly options: ChannelOptions = { createRepository: true },
  ) {}

  private folderReady: Promise<void> | undefined;

  get location(): string {
    return this.remote;
  }

  private remoteFile(name: string): string {
    return `${this.remote}/${checkRemoteName(name)}`;
  }

  private async rsync(args: string[]): Promise<RsyncResult> {
    const seconds = Math.ceil(timeoutSeconds());
    // --timeout: I/O; --contimeout: the daemon's connect; ssh's own options for its connect and liveness
    const common = ['--no-motd', `--timeout=${seconds}`];
    // TCP_NODELAY: every call is a few small request/reply exchanges, each of which Nagle's
    // algorithm and delayed ACKs would otherwise hold ~40 ms (a daemon sets its own side with
    // `socket options = TCP_NODELAY`)
    if (this.kind === 'rsyncd') common.push(`--contimeout=${seconds}`, '--sockopts=TCP_NODELAY');
    else common.push('-e', sshCommand(seconds));
    return runRsync([...common, ...args]);
  }

  private fail(what: string, r: RsyncResult): Error {
    const seconds = Math.ceil(timeoutSeconds());
    const host = remoteHost(this.remote);
    // 30: no data within --timeout; 35: the daemon did not answer; 255: ssh gave up connecting
    const timedOut =
      r.code === 30 || /timeout in data send\/receive/i.test(r.stderr)
        ? `no data from ${host} for ${seconds} s`
        : r.code === 35 || /timed out|timeout/i.test(r.stderr)
          ? `could not connect to ${host} within ${seconds} s`
          : null;
    if (timedOut) return new Error(`rsync ${what} timed out: ${timedOut} (${TIMEOUT_ENV} sets the limit): ${r.stderr.trim()}`);
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
    // a file that vanished while listed (exit 24) is simply not listed
    if (r.code === 24) return parseRsyncListing(r.stdout);
    if (isMissing(r)) return [];
    if (r.code !== 0) throw this.fail(`listing of ${this.remote}`, r);
    return parseRsyncListing(r.stdout);
  }

  async upload(localFile: string, name: string, opts: UploadOptions = {}): Promise<void> {
    // rsync writes a temp file next to the target and renames it: readers never see a partial file.
    const args = ['-I', '-p', '--chmod=F644'];
    if (opts.ifAbsent) args.push('--ignore-existing');
    // --mkpath would create a whole new repository on a typo: only when asked
    if (this.options.createRepository && (await rsyncHasMkpath())) args.push('--mkpath');
    else await (this.folderReady ??= this.ensureFolder().catch((e) => ((this.folderReady = undefined), Promise.reject(e))));
    const r = await this.rsync([...args, path.resolve(localFile), this.remoteFile(name)]);
    if (r.code !== 0) throw this.fail(`upload to ${this.remoteFile(name)}`, r);
  }

  /** Without --mkpath: sync an empty folder onto the channel path, which creates that last component. */
  private async ensureFolder(): Promise<void> {
    await this.withTempDir(async (dir) => {
      await fsp.chmod(dir, 0o755); // a new folder takes this mode: web servers must be able to read it
      const r = await this.rsync(['-d', '--exclude=*', `${dir}/`, `${this.remote}/`]);
      // only the last component is made: a missing repository folder fails here
      if (r.code !== 0 && /No such file or directory/.test(r.stderr)) throw new RepositoryMissingError(this.remote.replace(/\/[^/]*$/, ''));
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
    const tmpDir = await makeTempDir('provd-remote-lock-');
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

  /**
   * A lock whose holder died on this host (a publish killed between indexing and releasing, which
   * a rerun finding its work done never locks to notice) goes now rather than when stale, when
   * another host may be the next to wait for it. Temp files need nothing: the remote receiver
   * removes its own when the client goes away (the kill test checks it on a daemon).
   */
  async tidy(): Promise<void> {
    try {
      const text = await this.readText(LOCK_FILE);
      if (text === null || !holderIsDeadHere(parseLockInfo(text))) return;
      if ((await this.readText(LOCK_FILE)) === text) await this.remove(LOCK_FILE);
    } catch {
      // best effort: the next locker breaks it anyway
    }
  }

  private holding(local: string, tmpDir: string, owner: string, token: string, staleMs: number): () => Promise<void> {
    return heartbeat(
      Math.max(50, staleMs / 4),
      async () => {
        // Refresh only our own lock: a holder judged stale must not overwrite its successor's.
        if (parseLockInfo((await this.readText(LOCK_FILE)) ?? '')?.token !== token) return;
        await fsp.writeFile(local, lockContent(owner, token));
        await this.upload(local, LOCK_FILE);
      },
      async () => {
        if (parseLockInfo((await this.readText(LOCK_FILE)) ?? '')?.token === token) await this.remove(LOCK_FILE);
      },
      () => fsp.rm(tmpDir, { recursive: true, force: true })
    );
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
