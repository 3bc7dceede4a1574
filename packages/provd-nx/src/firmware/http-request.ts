/**
 * One HTTP(S) request for firmware checks, with node's own client: no redirects followed
 * here (links.ts decides which are permanent), an idle and an overall time-out, and every
 * failure sorted into what a maintainer acts on (DNS, TLS, connection, time-out, garbage).
 */
import * as http from 'node:http';
import * as https from 'node:https';

export type FailureKind = 'dns' | 'tls' | 'connection' | 'timeout' | 'bad-response';

export class RequestFailure extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the body, to be consumed or destroyed by the caller */
  body: http.IncomingMessage;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export const USER_AGENT = 'provd-nx-check-firmware (xivo-fetchfw compatible)';

/** Sort a socket/parser error into a failure kind. */
export function classify(e: NodeJS.ErrnoException): RequestFailure {
  const code = e.code ?? '';
  if (e instanceof RequestFailure) return e;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new RequestFailure('dns', `DNS: ${e.message}`);
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code) || /SSL|TLS|certificate/i.test(e.message))
    return new RequestFailure('tls', `TLS: ${e.message}`);
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE') return new RequestFailure('bad-response', `not an HTTP answer: ${e.message}`);
  if (code === 'ETIMEDOUT') return new RequestFailure('timeout', `time-out: ${e.message}`);
  return new RequestFailure('connection', `connection: ${code ? code + ' ' : ''}${e.message}`);
}

/**
 * Send one request; resolve once the status line and headers arrived. The time-out covers
 * connecting and waiting for headers; `body` then carries its own idle time-out.
 */
export function request(url: string, method: 'HEAD' | 'GET', headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return reject(new RequestFailure('connection', `'${url}' is not a URL`));
    }
    const mod = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
    if (!mod) return reject(new RequestFailure('connection', `'${url}' is not http or https`));
    const req = mod.request(parsed, {
      method,
      headers: { 'user-agent': USER_AGENT, ...headers },
      agent: parsed.protocol === 'https:' ? agents.https : agents.http,
    });
    const deadline = setTimeout(() => req.destroy(new RequestFailure('timeout', `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.setTimeout(timeoutMs, () => req.destroy(new RequestFailure('timeout', `no data for ${timeoutMs / 1000} s`)));
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(classify(e));
    });
    req.on('response', (res) => {
      clearTimeout(deadline);
      res.setTimeout(timeoutMs, () => res.destroy(new RequestFailure('timeout', `no data for ${timeoutMs / 1000} s`)));
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.end();
  });
}

/** Drop a body we do not read, keeping the connection if it is small. */
export function discard(res: Response): void {
  res.body.on('error', () => undefined);
  const length = Number(res.headers['content-length'] ?? NaN);
  if (Number.isFinite(length) && length <= 65536) res.body.resume();
  else res.body.destroy();
}

export function resolveLocation(base: string, location: string | undefined): string | null {
  if (!location) return null;
  try {
    return new URL(location, base).toString();
  } catch {
    return null;
  }
}
