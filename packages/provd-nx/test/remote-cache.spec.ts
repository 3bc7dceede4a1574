/**
 * Nx's self-hosted remote cache shared between two clones: workspace A builds
 * and uploads; a fresh clone B, with an empty local cache (another machine),
 * gets every build as a remote cache hit and the same package bytes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha1File } from '../src/package/read';
import { RemoteCacheServer, serveRemoteCache } from './remote-cache-server';
import { createWorkspace, REPO_ROOT, TestWorkspace } from './workspace';

const NX_BIN = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

/** nx without blocking this process: the cache server lives in it and must answer meanwhile. */
function nxRun(ws: TestWorkspace, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NX_BIN, ...args], { cwd: ws.root, env: ws.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function nxAsync(ws: TestWorkspace, args: string[], env: Record<string, string>): Promise<string> {
  const r = await nxRun(ws, args, env);
  if (r.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${r.code}:\n${r.output}`);
  return r.output;
}

const TOKEN = 'test-token-for-the-remote-cache';

async function packageSha1s(ws: TestWorkspace): Promise<Record<string, string>> {
  const dir = ws.path('dist', 'packages');
  const files = readdirSync(dir).filter((f) => f.endsWith('.tar.bz2')).sort();
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await sha1File(join(dir, f))] as const)));
}

/** Build tasks reported as restored from the remote cache. */
const remoteHits = (output: string) => [...output.matchAll(/> nx run ([^:\s]+):build\s+\[remote cache\]/g)].map((m) => m[1]).sort();

describe('remote cache (Nx self-hosted API)', () => {
  let server: RemoteCacheServer;
  let a: TestWorkspace;
  let b: TestWorkspace;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await serveRemoteCache(TOKEN);
    env = { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: TOKEN };
    a = createWorkspace({ families: ['xivo-snom', 'xivo-cisco-spa'] });
    const clone = mkdtempSync(join(tmpdir(), 'provd-ws-clone-'));
    execFileSync('git', ['clone', '-q', a.root, clone]);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
    b = new TestWorkspace(clone);
  });
  afterAll(async () => {
    a?.dispose();
    b?.dispose();
    await server?.close();
  });

  it('a second clone with an empty local cache gets every build from the remote cache, same bytes', async () => {
    const models = a.projects().filter((p) => a.project(p).targets?.build?.cache === true);
    expect(models.length).toBeGreaterThan(8);

    const first = await nxAsync(a, ['run-many', '-t', 'build', '--outputStyle=static'], env);
    expect(remoteHits(first)).toEqual([]);
    // one entry per build task, uploaded with the token
    const puts = server.log.filter((l) => l.startsWith('PUT ') && l.endsWith(' 200'));
    expect(puts).toHaveLength(models.length);
    expect(server.log.some((l) => / 40[13]$/.test(l))).toBe(false);

    const second = await nxAsync(b, ['run-many', '-t', 'build', '--outputStyle=static'], env);
    expect(remoteHits(second)).toEqual(models);
    expect(await packageSha1s(b)).toEqual(await packageSha1s(a));
    expect(Object.keys(await packageSha1s(b))).toHaveLength(models.length);
    // the plugin folders are not cache outputs: unpacked from the restored packages
    expect(readdirSync(b.path('dist/plugins')).filter((d) => !d.startsWith('.')).sort()).toEqual(models);
    expect(b.read('dist/plugins/xivo-snom-8.7.5/templates/base.tpl')).toBe(a.read('dist/plugins/xivo-snom-8.7.5/templates/base.tpl'));
  });

  it('a wrong token stops the run with the server\'s answer (Nx does not fall back to building)', async () => {
    const c = mkdtempSync(join(tmpdir(), 'provd-ws-clone-'));
    execFileSync('git', ['clone', '-q', a.root, c]);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(c, 'node_modules'));
    const ws = new TestWorkspace(c);
    try {
      const r = await nxRun(ws, ['run-many', '-t', 'build', '--outputStyle=static'], { ...env, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'wrong' });
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('Misconfigured remote cache endpoint: Unexpected response status: 403 Forbidden');
      expect(server.log.some((l) => l.startsWith('GET ') && l.endsWith(' 403'))).toBe(true);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
