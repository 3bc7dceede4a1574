/** A channel in a local folder: atomic temp + fsync + rename writes, an O_EXCL-style lock file. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { tempName, TEMP_RE, HOST_TAG, TEMP_MAX_AGE_MS } from '../fs/temp-dir';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STALE_MS, LOCK_FILE, LockInfo, holderIsDeadHere, describeHolder, timeoutError, sleep, backoff, lockContent, parseLockInfo, heartbeat } from './lock';
import { ChannelBackend, UploadOptions, LockOptions } from './backend';
import { checkPathComponent } from '../format/path-component';
import { isAlive } from '../fs/process-identity';
import { RepositoryMissingError, type ChannelOptions } from './backend';

async function fsyncPath(p: string, flags: string): Promise<void> {
  const fh = await fsp.open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class LocalChannel implements ChannelBackend {
  constructor(
    readonly dir: string,
    private readonly options: ChannelOptions = { createRepository: true },
  ) {}

  /** The channel folder, created on first write; its repository only when allowed. */
  private async ensureDir(): Promise<void> {
    if (!this.options.createRepository && !fs.existsSync(path.dirname(this.dir))) throw new RepositoryMissingError(path.dirname(this.dir));
    await fsp.mkdir(this.dir, { recursive: true });
  }

  get location(): string {
    return this.dir;
  }

  private file(name: string): string {
    return path.join(this.dir, checkPathComponent('channel file name', name));
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
    await this.ensureDir();
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
    await this.ensureDir();
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
    return heartbeat(
      Math.max(10, staleMs / 4),
      () => {
        const now = new Date();
        return fh.utimes(now, now);
      },
      async () => {
        // Only remove the lock if it is still ours: a holder judged stale may have been replaced.
        const seen = await readLockFile(lockPath);
        if (seen?.info?.token === token) await fsp.rm(lockPath, { force: true });
      },
      () => fh.close()
    );
  }

  /** Temp files of dead local processes, and a lock whose holder died on this host (see RsyncChannel.tidy). */
  async tidy(): Promise<void> {
    await this.sweepTemps();
    const lockPath = path.join(this.dir, LOCK_FILE);
    const seen = await readLockFile(lockPath).catch(() => null);
    if (seen && holderIsDeadHere(seen.info)) await breakLocalLock(lockPath, seen.ino).catch(() => false); // best effort, like the sweep
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
      const dead = m[2] === HOST_TAG && !isAlive({ pid: Number(m[1]), start: m[3] ?? null });
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
