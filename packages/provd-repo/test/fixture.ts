/**
 * Test helpers: real provd plugin packages (entry.py subclasses provd's StandardPlugin),
 * a real server on 127.0.0.1 (ephemeral port), and a tree hash to prove refusals change nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createPackage, packageFileName } from '../src/domain';
import { createServer, type ServerOptions } from '../src/server';
import { createChannels, STANDARD_CHANNELS } from '../src/channels';
import { parseTokens } from '../src/tokens';

export const WRITE_ALL = 'all-channels-token-0123456789';
export const TESTING_ONLY = 'testing-only-token-0123456789';
export const TOKENS = `${WRITE_ALL} *\n${TESTING_ONLY} testing\n`;

export async function tempDir(prefix = 'provd-repo-test-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface PluginSpec {
  id: string;
  version: string;
  description?: string;
  models?: string[];
  /** Extra bytes in a template so that two builds of one version differ. */
  salt?: string;
  /** Size of an incompressible firmware file to add (load tests want realistic packages). */
  firmwareBytes?: number;
  /** More plugin-info keys. */
  extraInfo?: Record<string, unknown>;
}

export function pluginInfoText(spec: PluginSpec): string {
  const capabilities = Object.fromEntries((spec.models ?? ['Acme, T1']).map((m) => [`${m}, 1.0`, { 'sip.lines': 2 }]));
  return `${JSON.stringify({ version: spec.version, description: spec.description ?? `Plugin ${spec.id}`, capabilities, ...spec.extraInfo }, null, 4)}\n`;
}

const ENTRY_PY = `# A minimal real provd plugin: provd finds the class with IS_PLUGIN that subclasses its Plugin.
from wazo_provd.plugins import StandardPlugin


class FixturePlugin(StandardPlugin):
    IS_PLUGIN = True
`;

/** Builds `<id>-<version>.tar.bz2` into `outDir` with the library's packager; returns its path. */
export async function buildPlugin(outDir: string, spec: PluginSpec): Promise<string> {
  const src = await tempDir('provd-repo-plugin-');
  try {
    await fsp.writeFile(path.join(src, 'plugin-info'), pluginInfoText(spec));
    await fsp.writeFile(path.join(src, 'entry.py'), ENTRY_PY);
    await fsp.mkdir(path.join(src, 'templates'));
    await fsp.writeFile(path.join(src, 'templates', 'base.tpl'), `# ${spec.id} ${spec.version} ${spec.salt ?? ''}\n`);
    if (spec.firmwareBytes) {
      await fsp.mkdir(path.join(src, 'firmware'));
      await fsp.writeFile(path.join(src, 'firmware', 'image.bin'), randomBytes(spec.firmwareBytes));
    }
    for (const d of ['var/cache', 'var/installed', 'var/templates', 'var/tftpboot']) await fsp.mkdir(path.join(src, d), { recursive: true });
    const { file } = await createPackage(src, spec.id, path.join(outDir, packageFileName(spec.id, spec.version)));
    return file;
  } finally {
    await fsp.rm(src, { recursive: true, force: true });
  }
}

export async function startServer(root: string, opts: { prefixes?: string[]; bodyLimit?: number; log?: string[] } & Omit<Partial<ServerOptions>, 'log'> = {}) {
  // a new repository's channels, as `provd-repo serve` creates them in a new root
  await createChannels(root, STANDARD_CHANNELS);
  const app = await createServer({
    ...opts,
    root,
    prefixes: opts.prefixes ?? ['/plugins/2'],
    tokens: parseTokens(TOKENS, 'test tokens'),
    bodyLimit: opts.bodyLimit,
    log: (line) => opts.log?.push(line),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: address, close: () => app.close() };
}

/** Every path, type, size and content hash under `dir`, dot files included. */
export async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) {
        h.update(`d ${p}\n`);
        await walk(p);
      } else {
        const data = await fsp.readFile(path.join(dir, p));
        h.update(`f ${p} ${data.length} ${createHash('sha1').update(data).digest('hex')}\n`);
      }
    }
  };
  await walk('');
  return h.digest('hex');
}

export function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export async function put(base: string, channel: string, file: string, token?: string, name = path.basename(file)): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${base}/plugins/2/${channel}/${encodeURIComponent(name)}`, { method: 'PUT', headers, body: await fsp.readFile(file) });
}

/** node:http sends the path as written and adds no headers (fetch resolves dot segments and adds Cache-Control). */
export function literal(base: string, method: string, p: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const { port } = new URL(base);
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: body ? { ...headers, 'content-length': body.length } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 304 || method === 'HEAD' ? null : Buffer.concat(chunks), { status, headers: h }));
        });
    });
    req.on('error', reject).end(body);
  });
}
