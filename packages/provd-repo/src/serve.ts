/** Start the server on a repository folder: what `provd-repo serve` and `nx run provd-repository:serve` run. */
import { mkdir, stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Peers } from './cluster';
import { createChannels, servedChannelNames, STANDARD_CHANNELS } from './channels';
import { createServer, DEFAULT_BODY_LIMIT, type ServerOptions } from './server';
import { loadTokens } from './tokens';

export interface ServeOptions {
  /** the repository folder: each channel (testing, stable, archive) is a folder in it */
  root: string;
  /** 0: any free port */
  port?: number;
  host?: string;
  /** URL prefixes the channels are served under (default /plugins/2) */
  prefix?: string[];
  /** a file of write tokens, one `<token> <channel>[,<channel>]` or `<token> *` per line; PROVD_REPO_TOKENS adds to it */
  tokens?: string;
  bodyLimit?: number;
  /** bounds on uploads: timeouts, the per-token cap, the lock wait, package limits (defaults in server.ts) */
  bounds?: Pick<ServerOptions, 'bodyIdleTimeoutMs' | 'bodyTimeoutMs' | 'maxUploadsPerToken' | 'lockTimeoutMs' | 'packageLimits'>;
  /** MiB of downloads kept in memory (default 128) */
  cacheMiB?: number;
  /** the other cluster workers, when this is one */
  peers?: Peers;
}

export async function serve(o: ServeOptions, log: (line: string) => void): Promise<FastifyInstance> {
  const tokens = loadTokens(o.tokens, process.env.PROVD_REPO_TOKENS);
  const prefixes = o.prefix?.length ? o.prefix : ['/plugins/2'];
  // a fresh workspace has no repository folder yet: a new (missing or empty) root starts with the standard channels
  const existed = (await stat(o.root).catch(() => null))?.isDirectory();
  await mkdir(o.root, { recursive: true });
  if (!existed || !(await servedChannelNames(o.root)).length) await createChannels(o.root, STANDARD_CHANNELS);
  const app = await createServer({
    root: o.root,
    prefixes,
    tokens,
    bodyLimit: o.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...o.bounds,
    cache: o.cacheMiB === undefined ? undefined : { maxBytes: o.cacheMiB * 2 ** 20 },
    peers: o.peers,
  });
  announce(o, await app.listen({ port: o.port ?? 8667, host: o.host ?? '127.0.0.1' }), log);
  return app;
}

/** Where the channels are served, and whether uploads are possible. */
export function announce(o: ServeOptions, address: string, log: (line: string) => void): void {
  const prefixes = o.prefix?.length ? o.prefix : ['/plugins/2'];
  const base = address.replace('[::1]', 'localhost');
  for (const p of prefixes) log(`provd-repo: serving ${o.root} at ${base}${p.replace(/\/+$/, '')}/<channel>/ (give provd ${base}${p.replace(/\/+$/, '')}/testing/)`);
  if (!loadTokens(o.tokens, process.env.PROVD_REPO_TOKENS).length) log('provd-repo: no write tokens configured: uploads are refused');
}
