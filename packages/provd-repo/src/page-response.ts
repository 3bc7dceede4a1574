/**
 * Pages are built on every request and revalidated: `Cache-Control: no-cache`, a strong ETag
 * from their bytes (304 when the client holds them), compressed when the client accepts it.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, negotiate, noneMatchHits, type Encoding } from './http-cache';
import { REVALIDATE } from './static-cache';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);
const OFFER: readonly Encoding[] = ['br', 'gzip', 'identity'];

export async function sendPage(req: FastifyRequest, reply: FastifyReply, body: string | null): Promise<FastifyReply> {
  if (body === null) return reply.status(404).type('text/plain; charset=utf-8').header('cache-control', REVALIDATE).send('not found\n');
  const bytes = Buffer.from(body, 'utf8');
  const hash = createHash('sha1').update(bytes).digest('hex');
  const encoding = bytes.length > 256 ? negotiate(req.headers['accept-encoding'], OFFER) : 'identity';
  void reply.header('cache-control', REVALIDATE).header('vary', 'Accept-Encoding').header('etag', etagOf(hash, encoding));
  if (noneMatchHits(req.headers['if-none-match'], hash)) return reply.status(304).send();
  void reply.type('text/html; charset=utf-8');
  if (encoding === 'identity') return reply.send(bytes);
  // pages are small and built per request: a fast brotli level, gzip's default
  const packed = encoding === 'br' ? await brotli(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }) : await gzip(bytes);
  return reply.header('content-encoding', encoding).send(packed);
}
