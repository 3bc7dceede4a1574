/**
 * A firmware server on 127.0.0.1 for check-firmware specs and the benchmark: real HTTP,
 * one behaviour per path (a file, a status, a redirect, HEAD refused, silence, garbage),
 * and files generated on the fly from a seed, so a file of any size is streamed without
 * ever being on disk.
 */
import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

const BLOCK = 64 * 1024;

/** The deterministic content of a generated file: 64 KiB blocks from the seed, each stamped with its index. */
export function generatedStream(seed: string, size: number): Readable {
  const base = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 20) createHash('sha1').update(`${seed}:${i}`).digest().copy(base, i);
  let sent = 0;
  let index = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(BLOCK, size - sent);
      const block = Buffer.from(base.subarray(0, n));
      if (n >= 4) block.writeUInt32BE(index >>> 0, 0);
      index++;
      sent += n;
      this.push(block);
    },
  });
}

export async function generatedSha1(seed: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of generatedStream(seed, size)) hash.update(chunk);
  return hash.digest('hex');
}

export type Route =
  | { kind: 'bytes'; body: Buffer; etag?: string; lastModified?: string; headRefused?: boolean; announce?: number }
  | { kind: 'generated'; seed: string; size: number; etag?: string; headRefused?: boolean }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308; to: string }
  | { kind: 'silent' }
  | { kind: 'garbage' };

export interface FirmwareServer {
  url: string;
  routes: Map<string, Route>;
  /** requests per path, 'METHOD path' */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startFirmwareServer(routes: Record<string, Route> = {}, host = '127.0.0.1'): Promise<FirmwareServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(`${req.method} ${path}`, (hits.get(`${req.method} ${path}`) ?? 0) + 1);
    const route = table.get(path);
    if (!route) return void res.writeHead(404).end();
    switch (route.kind) {
      case 'status':
        return void res.writeHead(route.status).end();
      case 'redirect':
        return void res.writeHead(route.status, { location: route.to }).end();
      case 'silent':
        return; // never answers
      case 'garbage':
        req.socket.end('SSH-2.0-OpenSSH_9.2 not http at all\r\n\r\n');
        return;
      default: {
        if (route.headRefused && req.method === 'HEAD') return void res.writeHead(405, { allow: 'GET' }).end();
        const size = route.kind === 'bytes' ? route.body.length : route.size;
        const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
        if (route.etag) headers.etag = route.etag;
        if (route.kind === 'bytes' && route.lastModified) headers['last-modified'] = route.lastModified;
        const range = /^bytes=0-0$/.exec(String(req.headers.range ?? ''));
        if (range && req.method === 'GET') {
          headers['content-range'] = `bytes 0-0/${size}`;
          headers['content-length'] = 1;
          res.writeHead(206, headers);
          return void (route.kind === 'bytes' ? res.end(route.body.subarray(0, 1)) : generatedStream(route.seed, 1).pipe(res));
        }
        headers['content-length'] = route.kind === 'bytes' && route.announce !== undefined ? route.announce : size;
        res.writeHead(200, headers);
        if (req.method === 'HEAD') return void res.end();
        if (route.kind === 'bytes') return void res.end(route.body);
        generatedStream(route.seed, route.size).pipe(res);
      }
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    routes: table,
    hits,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
