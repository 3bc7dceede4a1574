/**
 * HTTP validation, ranges and content negotiation (RFC 9110), as pure functions of request
 * headers: what caches and provd rely on when they fetch plugins.db, packages and pages.
 *
 * ETags here are always strong: a package's is its SHA-1 (the one plugins.db lists), plugins.db's
 * and a page's the SHA-1 of their bytes. A compressed variant is another representation, so it
 * gets its own strong ETag: the identity tag with `-gz` or `-br` inside the quotes.
 */

export type Encoding = 'br' | 'gzip' | 'identity';

const SUFFIX: Record<Encoding, string> = { br: '-br', gzip: '-gz', identity: '' };

/** `"<hex>"` for identity, `"<hex>-gz"` / `"<hex>-br"` for compressed variants. */
export function etagOf(hash: string, encoding: Encoding = 'identity'): string {
  return `"${hash}${SUFFIX[encoding]}"`;
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** A comma-separated list of entity-tags (`*` is handled by the callers). */
function parseTags(header: string): EntityTag[] {
  const out: EntityTag[] = [];
  const re = /\s*(W\/)?"([^"]*)"\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) && m[0]) out.push({ weak: !!m[1], opaque: m[2] });
  return out;
}

const stripEncoding = (opaque: string) => opaque.replace(/-(gz|br)$/, '');

/**
 * If-None-Match (weak comparison, RFC 9110 13.1.2): true when the client's copy is current.
 * A tag of any encoding variant of the same bytes counts: the server answers 304 with the
 * tag of the variant it would send now.
 */
export function noneMatchHits(header: string | undefined, hash: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return parseTags(header).some((t) => stripEncoding(t.opaque) === hash);
}

/** If-Match (strong comparison): false means 412. */
export function matchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.trim() === '*') return true;
  return parseTags(header).some((t) => !t.weak && `"${t.opaque}"` === etag);
}

/** If-Modified-Since: true when unmodified since (only consulted without If-None-Match). */
export function notModifiedSince(header: string | undefined, lastModifiedMs: number): boolean {
  if (header === undefined) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && Math.floor(lastModifiedMs / 1000) * 1000 <= since;
}

/**
 * If-Range (RFC 9110 13.1.5): the range applies only when the validator is a strong entity-tag
 * equal to the current one, or an HTTP-date exactly equal to Last-Modified of a representation
 * whose date is a strong validator (a package: its name never gets other bytes). A weak tag, any
 * other tag or date: the whole representation is sent.
 */
export function ifRangeHolds(header: string | undefined, etag: string, lastModified: string, dateIsStrong: boolean): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('W/')) return false;
  if (value.startsWith('"')) return value === etag;
  return dateIsStrong && value === lastModified;
}

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range of a representation of `size` bytes. Syntax the server does not take
 * (other units, malformed specs, several ranges) is ignored, as RFC 9110 allows: the whole
 * representation is sent.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' }; // invalid: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/** The content coding to send for an Accept-Encoding header, among the ones on offer. */
export function negotiate(header: string | undefined, offered: readonly Encoding[]): Encoding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)).find(Boolean);
    q.set(name.trim(), qp ? Number(qp[1]) : 1);
  }
  const weight = (e: Encoding) => q.get(e) ?? (e === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0;
  let best: Encoding = 'identity';
  let bestQ = 0;
  for (const e of offered) {
    if (e === 'identity') continue;
    const w = weight(e);
    if (w > bestQ) {
      best = e;
      bestQ = w;
    }
  }
  return best;
}
