/**
 * A result cache shared by every process of a run (nx run-many starts one per task): one
 * JSON file per key, written atomically (temporary file + rename), and a lock file created
 * exclusively while a result is computed, so that two tasks sharing a URL fetch it once:
 * the second waits for the first's result. The process computing touches its lock; a lock
 * untouched for `staleMs` (its process died) is taken over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface CacheOptions<T> {
  /** is a stored result still good? */
  fresh: (value: T) => boolean;
  /** a lock older than this is abandoned (ms) */
  staleMs: number;
  /** how often a waiting process looks again (ms) */
  pollMs?: number;
}

export function cacheKey(parts: string): string {
  return createHash('sha1').update(parts).digest('hex');
}

export class ResultCache<T> {
  private memo = new Map<string, Promise<{ value: T; cached: boolean }>>();

  constructor(readonly dir: string, private readonly opts: CacheOptions<T>) {}

  private file(key: string): string {
    return join(this.dir, `${cacheKey(key)}.json`);
  }

  async read(key: string, fresh: (value: T) => boolean = this.opts.fresh): Promise<T | undefined> {
    try {
      const value = JSON.parse(await fsp.readFile(this.file(key), 'utf8')) as { key: string; value: T };
      return value.key === key && fresh(value.value) ? value.value : undefined;
    } catch {
      return undefined;
    }
  }

  async write(key: string, value: T): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify({ key, value }));
    await fsp.rename(tmp, file);
  }

  /** The fresh stored result, or `compute`'s, computed by one process only; `fresh` overrides the cache's test. */
  get(key: string, compute: () => Promise<T>, fresh: (value: T) => boolean = this.opts.fresh): Promise<{ value: T; cached: boolean }> {
    let p = this.memo.get(key);
    if (!p) {
      p = this.getShared(key, compute, fresh);
      this.memo.set(key, p);
    }
    return p;
  }

  private async getShared(key: string, compute: () => Promise<T>, fresh: (value: T) => boolean): Promise<{ value: T; cached: boolean }> {
    await fsp.mkdir(this.dir, { recursive: true });
    const lock = this.file(key).replace(/\.json$/, '.lock');
    for (;;) {
      const stored = await this.read(key, fresh);
      if (stored !== undefined) return { value: stored, cached: true };
      let handle: fsp.FileHandle | undefined;
      try {
        handle = await fsp.open(lock, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (handle) {
        try {
          await handle.close();
          // another process may have finished between our read and our lock
          const again = await this.read(key, fresh);
          if (again !== undefined) return { value: again, cached: true };
          // a long download keeps its lock fresh, so that only a dead process's lock looks stale
          const beat = setInterval(() => {
            const now = new Date();
            fsp.utimes(lock, now, now).catch(() => undefined);
          }, Math.max(1000, this.opts.staleMs / 4));
          try {
            const value = await compute();
            await this.write(key, value);
            return { value, cached: false };
          } finally {
            clearInterval(beat);
          }
        } finally {
          await fsp.rm(lock, { force: true });
        }
      }
      // someone else computes it: wait for its result, or take over a dead process's lock
      try {
        const { mtimeMs } = await fsp.stat(lock);
        if (Date.now() - mtimeMs > this.opts.staleMs) await fsp.rm(lock, { force: true });
      } catch {
        /* gone meanwhile */
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 20));
    }
  }
}
