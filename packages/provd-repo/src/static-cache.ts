/**
 * The channel files provd downloads (plugins.db and packages), kept in memory with their
 * response headers so that a download costs no file system call.
 *
 * Freshness: a channel folder is watched (inotify through fs.watch) before any of its files is
 * cached, and every event drops what it names; the root is watched for channel folders renamed
 * or replaced. Writes go through this server (which also drops the channel it wrote), and an
 * external write to a channel folder shows in an event, so nothing stale is served for longer
 * than the kernel takes to report it. Where a folder cannot be watched, or a file is reached
 * through a symlink (its target may live in another folder), nothing is cached: each request
 * reads the file again.
 *
 * Safety: a file is served only when its real path stays inside the root's real path and it is
 * a regular file; a symlink leading out of the root is answered as missing.
 *
 * Memory: bodies are cached up to `maxFileBytes` each and `maxBytes` in all (least recently used
 * dropped first); larger files keep only their headers and are streamed from disk.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { INDEX_FILE } from './domain';
import { etagOf, type Encoding } from './http-cache';
import { realPathInside } from './real-path';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export const PACKAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export interface Variant {
  body: Buffer;
  etag: string;
}

export interface CachedFile {
  /** The file on disk (streamed from when `body` is absent). */
  file: string;
  size: number;
  /** SHA-1 of the bytes, hex: the strong validator. */
  hash: string;
  etag: string;
  lastModified: string;
  lastModifiedMs: number;
  contentType: string;
  cacheControl: string;
  /** plugins.db changes; a package name never gets other bytes. */
  mutable: boolean;
  body?: Buffer;
  /** Compressed variants (plugins.db only), when smaller than the original. */
  encoded: Partial<Record<Exclude<Encoding, 'identity'>, Variant>>;
  /** Bytes this entry holds in memory. */
  weight: number;
}

export interface StaticCacheOptions {
  /** Bytes of file bodies kept in memory in all. */
  maxBytes?: number;
  /** Largest file whose body is kept in memory. */
  maxFileBytes?: number;
}

export const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024;
export const DEFAULT_CACHE_FILE_BYTES = 16 * 1024 * 1024;

interface ChannelWatch {
  watcher: FSWatcher | null;
  /** Bumped by every event: a fill that saw another generation does not store its result. */
  generation: number;
}

export class StaticFiles {
  private readonly entries = new Map<string, CachedFile>();
  private readonly channels = new Map<string, ChannelWatch>();
  private readonly filling = new Map<string, Promise<CachedFile | null>>();
  private rootWatcher: FSWatcher | null = null;
  private bytes = 0;
  private realRoot: string | null = null;
  private readonly maxBytes: number;
  private readonly maxFileBytes: number;

  constructor(
    readonly root: string,
    opts: StaticCacheOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.maxFileBytes = Math.min(opts.maxFileBytes ?? DEFAULT_CACHE_FILE_BYTES, this.maxBytes);
  }

  /** Bytes of bodies held in memory now. */
  get cachedBytes(): number {
    return this.bytes;
  }

  /** Cached entry, if any (the synchronous fast path). */
  peek(channel: string, file: string): CachedFile | undefined {
    const key = `${channel}/${file}`;
    const hit = this.entries.get(key);
    if (hit) {
      // least recently used first: re-insert at the end
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** The file `<channel>/<file>` under the root, or null when missing or outside the root. */
  async get(channel: string, file: string): Promise<CachedFile | null> {
    const hit = this.peek(channel, file);
    if (hit) return hit;
    const key = `${channel}/${file}`;
    let pending = this.filling.get(key);
    if (!pending) {
      pending = this.fill(channel, file).finally(() => this.filling.delete(key));
      this.filling.set(key, pending);
    }
    return pending;
  }

  /** Drops everything cached for a channel, or for all (the server just wrote). */
  invalidate(channel?: string): void {
    for (const [name, w] of this.channels) {
      if (channel !== undefined && name !== channel) continue;
      w.generation++;
      this.dropChannel(name);
    }
    if (channel === undefined) {
      this.entries.clear();
      this.bytes = 0;
    }
  }

  close(): void {
    this.rootWatcher?.close();
    this.rootWatcher = null;
    for (const w of this.channels.values()) w.watcher?.close();
    this.channels.clear();
    this.entries.clear();
    this.bytes = 0;
  }

  private async fill(channel: string, file: string): Promise<CachedFile | null> {
    this.realRoot ??= await fsp.realpath(this.root);
    const watched = this.watchChannel(channel);
    const generation = watched.generation;
    const logical = path.join(this.root, channel, file);
    const real = await realPathInside(this.root, logical); // null: missing, or a symlink out of the root
    if (!real) return null;
    const handle = await fsp.open(real, 'r').catch(() => null);
    if (!handle) return null;
    let entry: CachedFile;
    try {
      const st = await handle.stat();
      if (!st.isFile()) return null;
      const mutable = file === INDEX_FILE;
      const inMemory = st.size <= this.maxFileBytes;
      let body: Buffer | undefined;
      let hash: string;
      if (inMemory) {
        body = await handle.readFile();
        hash = createHash('sha1').update(body).digest('hex');
      } else {
        const h = createHash('sha1');
        for await (const chunk of handle.createReadStream({ autoClose: false })) h.update(chunk as Buffer);
        hash = h.digest('hex');
      }
      const encoded: CachedFile['encoded'] = {};
      if (mutable && body && body.length > 256) {
        const [gz, br] = await Promise.all([
          gzip(body, { level: 9 }),
          brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: body.length > 1 << 20 ? 6 : 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
        ]);
        if (gz.length < body.length) encoded.gzip = { body: gz, etag: etagOf(hash, 'gzip') };
        if (br.length < body.length) encoded.br = { body: br, etag: etagOf(hash, 'br') };
      }
      entry = {
        file: real,
        size: body?.length ?? st.size,
        hash,
        etag: etagOf(hash),
        lastModified: new Date(st.mtimeMs).toUTCString(),
        lastModifiedMs: st.mtimeMs,
        contentType: mutable ? 'application/octet-stream' : 'application/x-bzip2',
        cacheControl: mutable ? REVALIDATE : PACKAGE_CACHE_CONTROL,
        mutable,
        body,
        encoded,
        weight: (body?.length ?? 0) + (encoded.gzip?.body.length ?? 0) + (encoded.br?.body.length ?? 0),
      };
    } finally {
      await handle.close();
    }
    // stored only when nothing happened to the folder meanwhile, it is watched, and no symlink was followed
    if (watched.watcher && watched.generation === generation && real === (await fsp.realpath(logical).catch(() => null)) && real === path.join(this.realRoot, channel, file)) {
      this.store(`${channel}/${file}`, entry);
    }
    return entry;
  }

  private store(key: string, entry: CachedFile): void {
    const old = this.entries.get(key);
    if (old) this.bytes -= old.weight;
    this.entries.set(key, entry);
    this.bytes += entry.weight;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.weight;
    }
  }

  private dropChannel(channel: string, file?: string): void {
    if (file !== undefined) {
      const e = this.entries.get(`${channel}/${file}`);
      if (e) {
        this.entries.delete(`${channel}/${file}`);
        this.bytes -= e.weight;
      }
      return;
    }
    for (const [k, e] of this.entries) {
      if (k.startsWith(`${channel}/`)) {
        this.entries.delete(k);
        this.bytes -= e.weight;
      }
    }
  }

  private forgetChannel(channel: string): void {
    const w = this.channels.get(channel);
    if (w) {
      w.generation++;
      w.watcher?.close();
      this.channels.delete(channel);
    }
    this.dropChannel(channel);
  }

  private watchChannel(channel: string): ChannelWatch {
    this.watchRoot();
    let w = this.channels.get(channel);
    if (w) return w;
    w = { watcher: null, generation: 0 };
    this.channels.set(channel, w);
    const state = w;
    if (!this.rootWatcher) return state; // without the root's events a replaced folder would go unseen
    try {
      state.watcher = watch(path.join(this.root, channel), { persistent: false }, (_event, name) => {
        state.generation++;
        this.dropChannel(channel, name ? String(name) : undefined);
      });
      state.watcher.on('error', () => this.forgetChannel(channel));
    } catch {
      // missing folder or no inotify: read every time; a later request tries again
      this.channels.delete(channel);
    }
    return state;
  }

  private watchRoot(): void {
    if (this.rootWatcher) return;
    try {
      this.rootWatcher = watch(this.root, { persistent: false }, (_event, name) => {
        if (name) this.forgetChannel(String(name));
        else for (const c of [...this.channels.keys()]) this.forgetChannel(c);
      });
      this.rootWatcher.on('error', () => {
        this.rootWatcher = null;
        for (const c of [...this.channels.keys()]) this.forgetChannel(c);
      });
    } catch {
      this.rootWatcher = null;
    }
  }
}
