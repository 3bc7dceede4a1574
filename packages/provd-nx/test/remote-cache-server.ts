/**
 * A small server for Nx's self-hosted remote cache API on 127.0.0.1: GET and
 * PUT `/v1/cache/{hash}` with a bearer token, entries kept in memory. What
 * Nx sends (`NX_SELF_HOSTED_REMOTE_CACHE_SERVER`) is an opaque tar; the server
 * only stores it. Follows the API's answers: 200 with the bytes or 404 on
 * GET; 200 on PUT, 409 when the entry exists (entries are immutable); 401
 * without the token, 403 with a wrong one.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface RemoteCacheServer {
  url: string;
  entries: Map<string, Buffer>;
  /** every request as `METHOD hash status` */
  log: string[];
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function serveRemoteCache(token: string): Promise<RemoteCacheServer> {
  const entries = new Map<string, Buffer>();
  const log: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const match = /^\/v1\/cache\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    const answer = (status: number, data?: Buffer) => {
      log.push(`${req.method} ${match?.[1] ?? req.url} ${status}`);
      if (data) res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
      else res.writeHead(status).end();
    };
    const auth = req.headers.authorization;
    if (!auth) return answer(401);
    if (auth !== `Bearer ${token}`) return answer(403);
    if (!match) return answer(404);
    const hash = match[1];
    if (req.method === 'GET') {
      const entry = entries.get(hash);
      return entry ? answer(200, entry) : answer(404);
    }
    if (req.method === 'PUT') {
      const data = await body(req);
      if (entries.has(hash)) return answer(409);
      entries.set(hash, data);
      return answer(200);
    }
    return answer(405);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    entries,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
