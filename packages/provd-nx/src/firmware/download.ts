/**
 * --download: fetch a file whole, streaming (memory bounded whatever its size), counting
 * its bytes and hashing its SHA-1 on the way; written to a content-addressed store only
 * when --install needs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { request, RequestFailure, resolveLocation, discard } from './http-request';
import type { LinkStatus } from './links';
import { retried } from './retry';

export interface DownloadResult {
  url: string;
  status: LinkStatus;
  size?: number;
  sha1?: string;
  etag?: string;
  lastModified?: string;
  detail?: string;
  checkedAt: number;
}

export interface DownloadOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** stop reading past this many bytes (a server that never stops) */
  maxBytes: number;
  /** save the file as <store>/<sha1> */
  store?: string;
}

/** The stored copy of a file with this SHA-1, if any. */
export function storedFile(store: string, sha1: string): string {
  return join(store, sha1.toLowerCase());
}

async function downloadOnce(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  let current = url;
  for (let hop = 0; hop <= 10; hop++) {
    const res = await request(current, 'GET', {}, opts.timeoutMs);
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      discard(res);
      const next = resolveLocation(current, res.headers.location);
      if (!next) return { url, status: 'http-error', detail: `${res.status} without a usable Location`, checkedAt: Date.now() };
      current = next;
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      discard(res);
      const status: LinkStatus = res.status === 404 || res.status === 410 ? 'gone' : res.status >= 500 ? 'server-error' : 'http-error';
      return { url, status, detail: String(res.status), checkedAt: Date.now() };
    }
    const hash = createHash('sha1');
    let size = 0;
    let tmp: string | undefined;
    if (opts.store) {
      await fsp.mkdir(opts.store, { recursive: true });
      tmp = join(opts.store, `.${randomBytes(6).toString('hex')}.part`);
    }
    // plain 'data' events: a Transform in a pipeline costs three times the hashing itself
    try {
      await new Promise<void>((resolve, reject) => {
        const out = tmp ? createWriteStream(tmp) : undefined;
        out?.on('error', (e) => {
          res.body.destroy();
          reject(e);
        });
        res.body.on('error', (e) => {
          out?.destroy();
          reject(e);
        });
        res.body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) return void res.body.destroy(new RequestFailure('bad-response', `more than ${opts.maxBytes} bytes: stopped`));
          hash.update(chunk);
          if (out && !out.write(chunk)) {
            res.body.pause();
            out.once('drain', () => res.body.resume());
          }
        });
        res.body.on('end', () => (out ? out.end(() => resolve()) : resolve()));
        res.body.on('aborted', () => reject(new RequestFailure('connection', `connection closed after ${size} bytes`)));
      });
    } catch (e) {
      if (tmp) await fsp.rm(tmp, { force: true });
      throw e;
    }
    const sha1 = hash.digest('hex');
    if (tmp) await fsp.rename(tmp, storedFile(opts.store!, sha1));
    return {
      url,
      status: 'ok',
      size,
      sha1,
      ...(res.headers.etag && { etag: String(res.headers.etag) }),
      ...(res.headers['last-modified'] && { lastModified: String(res.headers['last-modified']) }),
      checkedAt: Date.now(),
    };
  }
  return { url, status: 'http-error', detail: 'more than 10 redirects', checkedAt: Date.now() };
}

export async function downloadFile(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  return (await retried(url, () => downloadOnce(url, opts), opts)).result;
}
