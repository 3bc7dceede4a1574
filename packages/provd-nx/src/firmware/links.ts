/**
 * Links mode: is a firmware URL still there, where, and how big? HEAD, or a one-byte ranged
 * GET where HEAD is refused (405/501); redirects followed, the permanent ones (301/308) at
 * the start of the chain giving the URL to write instead. 5xx and time-outs retried with
 * back-off.
 */
import { discard, request, resolveLocation, type FailureKind, type Response } from './http-request';
import { retried } from './retry';

export type LinkStatus = 'ok' | 'gone' | 'http-error' | 'server-error' | FailureKind;

export interface LinkResult {
  url: string;
  status: LinkStatus;
  /** the final answer's HTTP status */
  httpStatus?: number;
  /** where the redirects led, if anywhere */
  finalUrl?: string;
  /** the URL to write instead: where the leading permanent redirects (301/308) lead */
  movedTo?: string;
  redirects?: { status: number; location: string }[];
  /** the file's size as the server announces it (Content-Length, or Content-Range's total) */
  contentLength?: number;
  etag?: string;
  lastModified?: string;
  method?: 'HEAD' | 'GET-range';
  detail?: string;
  /** ms since the epoch */
  checkedAt: number;
}

export interface LinkOptions {
  timeoutMs: number;
  /** retries of 5xx answers and time-outs */
  retries: number;
  /** first back-off; doubled at each retry */
  backoffMs: number;
  maxRedirects?: number;
}


/** Announced size of a response: Content-Range's total for a 206, else Content-Length. */
export function announcedSize(res: Pick<Response, 'status' | 'headers'>): number | undefined {
  if (res.status === 206) {
    const m = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''));
    return m ? Number(m[1]) : undefined;
  }
  const len = res.headers['content-length'];
  return len !== undefined && /^\d+$/.test(String(len)) ? Number(len) : undefined;
}

async function probe(url: string, opts: LinkOptions): Promise<{ res: Response; method: 'HEAD' | 'GET-range' }> {
  const head = await request(url, 'HEAD', {}, opts.timeoutMs);
  discard(head);
  if (head.status !== 405 && head.status !== 501) return { res: head, method: 'HEAD' };
  const get = await request(url, 'GET', { range: 'bytes=0-0' }, opts.timeoutMs);
  discard(get);
  return { res: get, method: 'GET-range' };
}

/** One URL, redirects followed. */
async function checkOnce(url: string, opts: LinkOptions): Promise<LinkResult> {
  const redirects: { status: number; location: string }[] = [];
  let current = url;
  let movedTo: string | undefined;
  let permanentRun = true;
  for (let hop = 0; ; hop++) {
    const { res, method } = await probe(current, opts);
    const base = { url, httpStatus: res.status, method, checkedAt: Date.now(), ...(redirects.length && { redirects, finalUrl: current }), ...(movedTo && { movedTo }) };
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      const next = resolveLocation(current, res.headers.location);
      if (!next) return { ...base, status: 'http-error', detail: `${res.status} without a usable Location` };
      if (hop >= (opts.maxRedirects ?? 10)) return { ...base, status: 'http-error', detail: `more than ${opts.maxRedirects ?? 10} redirects` };
      redirects.push({ status: res.status, location: next });
      if (permanentRun && (res.status === 301 || res.status === 308)) movedTo = next;
      else permanentRun = false;
      current = next;
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      return {
        ...base,
        status: 'ok',
        ...(announcedSize(res) !== undefined && { contentLength: announcedSize(res) }),
        ...(res.headers.etag && { etag: String(res.headers.etag) }),
        ...(res.headers['last-modified'] && { lastModified: String(res.headers['last-modified']) }),
      };
    }
    if (res.status === 404 || res.status === 410) return { ...base, status: 'gone', detail: `${res.status}` };
    if (res.status >= 500) return { ...base, status: 'server-error', detail: `${res.status}` };
    return { ...base, status: 'http-error', detail: `${res.status}${res.status === 401 || res.status === 403 ? ' (behind a login? then leave url empty: supplied by hand)' : ''}` };
  }
}

/** Check a URL; 5xx and time-outs are tried again after 1, 2, 4... × backoffMs. */
export async function checkLink(url: string, opts: LinkOptions): Promise<LinkResult> {
  const { result, tries } = await retried(url, () => checkOnce(url, opts), opts);
  return tries > 1 ? { ...result, detail: `${result.detail ?? ''} (after ${tries} tries)`.trim() } : result;
}
