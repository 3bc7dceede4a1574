/**
 * GET and HEAD of `<prefix>/<channel>/plugins.db` and `<prefix>/<channel>/<package>`, answered
 * before fastify's routing (the download path is most of the traffic): from the in-memory
 * cache, with strong ETags, 304, ranges, If-Range and compression of plugins.db.
 * Everything else, other methods on the same paths included, goes on to fastify.
 */
import type { FastifyServerFactory } from 'fastify';
import { createReadStream } from 'node:fs';
import * as http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { INDEX_FILE } from './domain';
import { ifRangeHolds, matchHolds, negotiate, noneMatchHits, notModifiedSince, parseRange, type Encoding } from './http-cache';
import { checkChannelName, checkPackageName } from './names';
import type { CachedFile, StaticFiles } from './static-cache';

const OFFER: readonly Encoding[] = ['br', 'gzip', 'identity'];

/** `<channel>/<file>` under one of the prefixes, when the URL is a download; else null. */
export function downloadTarget(url: string, prefixes: readonly string[]): { channel: string; file: string } | null {
  const q = url.indexOf('?');
  let p = q < 0 ? url : url.slice(0, q);
  for (const prefix of prefixes) {
    if (!p.startsWith(prefix) || p.charCodeAt(prefix.length) !== 47 /* / */) continue;
    p = p.slice(prefix.length + 1);
    const slash = p.indexOf('/');
    if (slash < 0 || p.indexOf('/', slash + 1) >= 0) return null;
    let channel = p.slice(0, slash);
    let file = p.slice(slash + 1);
    try {
      if (p.includes('%')) {
        channel = decodeURIComponent(channel);
        file = decodeURIComponent(file);
      }
      checkChannelName(channel);
      if (file !== INDEX_FILE) checkPackageName(file);
    } catch {
      return null;
    }
    return { channel, file };
  }
  return null;
}

export type RequestLog = (req: IncomingMessage, status: number, length: number | undefined, startNs: bigint) => void;

/**
 * A request handler for the raw HTTP server: true when it took the request. Lookups that miss
 * the cache read the file and answer later; errors answer 500 and are logged, never thrown.
 */
export function staticDownloads(files: StaticFiles, prefixes: readonly string[], logRequest: RequestLog, logError: (line: string) => void) {
  // longest prefix first: /plugins/1/addons before /plugins/1
  const ordered = [...prefixes].sort((a, b) => b.length - a.length);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const target = downloadTarget(req.url ?? '', ordered);
    if (!target) return false;
    const start = process.hrtime.bigint();
    const hit = files.peek(target.channel, target.file);
    if (hit) {
      send(req, res, hit, start, logRequest, logError);
      return true;
    }
    files.get(target.channel, target.file).then(
      (entry) => {
        if (entry) return send(req, res, entry, start, logRequest, logError);
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 10, 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : 'not found\n');
        logRequest(req, 404, 10, start);
      },
      (e: Error) => fail(req, res, e, start, logRequest, logError),
    );
    return true;
  };
}

/**
 * fastify's server factory: downloads first, then fastify. fastify applies its timeout options
 * only to servers it creates itself, so this sets them as fastify would (its keepAliveTimeout,
 * requestTimeout, connectionTimeout, maxRequestsPerSocket and `http` options keep working).
 */
export function downloadsFirst(downloads: (req: IncomingMessage, res: ServerResponse) => boolean): FastifyServerFactory {
  return (handler, options) => {
    const o = options as typeof options & { http?: http.ServerOptions; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number };
    const server = http.createServer(o.http ?? {}, (req, res) => downloads(req, res) || handler(req, res));
    if (o.keepAliveTimeout !== undefined) server.keepAliveTimeout = o.keepAliveTimeout;
    if (o.requestTimeout !== undefined) server.requestTimeout = o.requestTimeout;
    server.setTimeout(o.connectionTimeout ?? 0);
    if (o.maxRequestsPerSocket && o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
    return server;
  };
}

function fail(req: IncomingMessage, res: ServerResponse, e: Error, start: bigint, logRequest: RequestLog, logError: (line: string) => void) {
  logError(`error: ${req.method} ${req.url}: ${e.stack ?? e.message}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = '{"error":"internal error"}';
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
  logRequest(req, 500, body.length, start);
}

function send(req: IncomingMessage, res: ServerResponse, f: CachedFile, start: bigint, logRequest: RequestLog, logError: (line: string) => void): void {
  const h = req.headers;
  const head = req.method === 'HEAD';
  const ranged = h.range !== undefined;
  // compression for plugins.db; a range always applies to the identity bytes
  const encoding: Encoding = ranged || !f.mutable ? 'identity' : negotiate(h['accept-encoding'], OFFER);
  const variant = encoding === 'identity' ? undefined : f.encoded[encoding];
  const etag = variant?.etag ?? f.etag;
  const headers: OutgoingHttpHeaders = {
    etag,
    'last-modified': f.lastModified,
    'cache-control': f.cacheControl,
    'accept-ranges': 'bytes',
  };
  if (f.mutable) headers.vary = 'Accept-Encoding';

  if (!matchHolds(h['if-match'], f.etag)) return bare(req, res, 412, headers, start, logRequest);
  // a date has a one-second resolution: two publishes in one second would look alike, so plugins.db
  // is revalidated by its ETag only
  const fresh = h['if-none-match'] !== undefined ? noneMatchHits(h['if-none-match'], f.hash) : !f.mutable && notModifiedSince(h['if-modified-since'], f.lastModifiedMs);
  if (fresh) return bare(req, res, 304, headers, start, logRequest);

  const range = ranged && ifRangeHolds(h['if-range'] as string | undefined, f.etag, f.lastModified, !f.mutable) ? parseRange(h.range, f.size) : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') {
    headers['content-range'] = `bytes */${f.size}`;
    return bare(req, res, 416, headers, start, logRequest);
  }
  headers['content-type'] = f.contentType;
  if (variant) headers['content-encoding'] = encoding;
  const [status, from, to] = range.kind === 'partial' ? [206, range.start, range.end] : [200, 0, f.size - 1];
  if (status === 206) headers['content-range'] = `bytes ${from}-${to}/${f.size}`;
  const body = variant?.body ?? f.body;
  const length = variant ? variant.body.length : to - from + 1;
  headers['content-length'] = length;
  res.writeHead(status, headers);
  if (head || length === 0) {
    res.end();
    logRequest(req, status, length, start);
  } else if (body) {
    res.end(status === 206 ? body.subarray(from, to + 1) : body);
    logRequest(req, status, length, start);
  } else {
    // over the in-memory bound: stream from disk
    const stream = createReadStream(f.file, { start: from, end: to });
    stream.on('error', (e) => fail(req, res, e, start, logRequest, logError));
    res.on('close', () => stream.destroy());
    stream.pipe(res).on('finish', () => logRequest(req, status, length, start));
  }
}

function bare(req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, start: bigint, logRequest: RequestLog): void {
  if (status !== 304) {
    headers['content-length'] = 0;
    // a refusal is no copy of the file: nothing for a cache to keep for a year
    delete headers['cache-control'];
  }
  res.writeHead(status, headers);
  res.end();
  logRequest(req, status, undefined, start);
}
