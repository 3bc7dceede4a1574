/**
 * Production behind nginx, end to end: `provd-repo nginx-config` generates the site, Debian's nginx
 * runs it on 127.0.0.1 (temp prefix), provd-repo runs as its CLI with two workers behind it.
 * Uploads and promote go through nginx to provd-repo and land; the real provd installs through
 * nginx, which serves plugins.db and the packages itself (its access log has them, provd-repo's
 * log does not), with the headers provd-repo gives.
 */
import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProvdConsumer } from '../../provd-nx/test/provd-consumer';
import { INDEX_FILE } from '../src/domain';
import { startCliServer, type CliServer } from './cli-server';
import { buildPlugin, literal, sha1, tempDir, WRITE_ALL } from './fixture';
import { freePort, startNginx, type Nginx } from './nginx';

const BIN = path.resolve(__dirname, '../bin/provd-repo.js');

describe('provd-repo behind nginx (nginx-config)', () => {
  let root: string;
  let work: string;
  let repo: CliServer;
  let nginx: Nginx;
  let front: string;
  const plugins = [
    { id: 'acme-n1-1.0', version: '1.0.0', models: ['Acme, N1'] },
    { id: 'acme-n2-1.0', version: '0.2', models: ['Acme, N2', 'Acme, N3'] },
    { id: 'zeta-n9-v84', version: '2.0.1', models: ['Zeta, N9'] },
  ];
  const files: string[] = [];
  const at = (p: string, method = 'GET', headers: Record<string, string> = {}, body?: Buffer) => literal(front, method, p, headers, body);
  const upload = async (channel: string, file: string, token = WRITE_ALL) =>
    at(`/plugins/2/${channel}/${path.basename(file)}`, 'PUT', { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, await fsp.readFile(file));

  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    await fsp.chmod(root, 0o755);
    repo = await startCliServer(root, `${WRITE_ALL} *`, ['--workers', '2', '--prefix', '/plugins/2', '--prefix', '/plugins/1/addons']);
    const port = await freePort();
    const site = execFileSync(
      process.execPath,
      [BIN, 'nginx-config', '--root', root, '--upstream', new URL(repo.base).host, '--listen', `127.0.0.1:${port}`, '--prefix', '/plugins/2', '--prefix', '/plugins/1/addons'],
      { encoding: 'utf8' },
    );
    front = `http://127.0.0.1:${port}`;
    nginx = await startNginx(path.join(work, 'nginx'), site, `${front}/plugins/2/`);
    for (const p of plugins) files.push(await buildPlugin(work, p));
  });
  afterAll(async () => {
    await nginx?.stop();
    await repo?.close();
    for (const d of [root, work]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('an upload through nginx lands: the package in the channel folder, its entry in plugins.db', async () => {
    for (const file of files) {
      const res = await upload('testing', file);
      expect(res.status, await res.text()).toBe(201);
    }
    const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', INDEX_FILE), 'utf8'));
    for (const [i, p] of plugins.entries()) {
      expect(index[p.id].sha1sum).toBe(sha1(await fsp.readFile(files[i])));
      expect(sha1(await fsp.readFile(path.join(root, 'testing', path.basename(files[i]))))).toBe(index[p.id].sha1sum);
    }
    // refusals come back from provd-repo through nginx, unchanged
    const refused = await upload('testing', files[0], 'not-a-valid-token-000000');
    expect(refused.status).toBe(401);
    expect(JSON.parse(await refused.text()).error).toMatch(/bearer token/);
  });

  it('the real provd installs, loads and configures every plugin through nginx, which serves the files itself', async () => {
    const before = repo.output();
    const r = await runProvdConsumer(`${front}/plugins/2/testing/`);
    expect(r.lastLine, `${r.stdout}\n${r.stderr}`).toBe(`provd-consumer: ${plugins.length} plugins installed, 0 failed`);
    expect(r.code, r.stderr).toBe(0);
    const access = await fsp.readFile(nginx.accessLog, 'utf8');
    expect(access).toMatch(/"GET \/plugins\/2\/testing\/plugins\.db HTTP\/1\.[01]" 200 /);
    for (const f of files) expect(access).toMatch(new RegExp(`"GET /plugins/2/testing/${path.basename(f).replace(/\./g, '\\.')} HTTP/1\\.[01]" 200 `));
    // provd-repo saw none of those downloads
    expect(repo.output().slice(before.length)).not.toMatch(/ GET \/plugins\/2\/testing\/\S+ /);
  });

  it('packages: immutable, a strong validator, ranges, 416 with Content-Range, If-Range only on a strong match; under every prefix', async () => {
    const file = files[0];
    const bytes = await fsp.readFile(file);
    for (const prefix of ['/plugins/2', '/plugins/1/addons']) {
      const p = `${prefix}/testing/${path.basename(file)}`;
      const res = await at(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toBe('application/x-bzip2');
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[^"]+"$/); // strong
      expect(sha1(Buffer.from(await res.arrayBuffer()))).toBe(sha1(bytes));
      expect((await at(p, 'GET', { 'if-none-match': etag })).status).toBe(304);
      const part = await at(p, 'GET', { range: 'bytes=0-9', 'if-range': etag });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
      expect((await at(p, 'GET', { range: 'bytes=0-9', 'if-range': `W/${etag}` })).status).toBe(200);
      const bad = await at(p, 'GET', { range: `bytes=${bytes.length + 1}-` });
      expect(bad.status).toBe(416);
      expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    }
  });

  it('plugins.db: no-cache, compressed with Vary, always the current bytes', async () => {
    const plain = await at(`/plugins/2/testing/${INDEX_FILE}`);
    const bytes = Buffer.from(await plain.arrayBuffer());
    expect(bytes.equals(await fsp.readFile(path.join(root, 'testing', INDEX_FILE)))).toBe(true);
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const gz = await at(`/plugins/2/testing/${INDEX_FILE}`, 'GET', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    expect(zlib.gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(bytes)).toBe(true);
    // a client holding an old copy gets the new one: no validator can hide a publish
    const stale = await at(`/plugins/2/testing/${INDEX_FILE}`, 'GET', { 'if-modified-since': new Date(Date.now() + 3600_000).toUTCString() });
    expect(stale.status).toBe(200);
  });

  it('promote and the pages go through to provd-repo', async () => {
    const res = await at('/plugins/2/stable/promote', 'POST', { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ pluginId: plugins[0].id, from: 'testing' })));
    expect(res.status, await res.text()).toBe(201);
    const stable = await at(`/plugins/2/stable/${path.basename(files[0])}`);
    expect(sha1(Buffer.from(await stable.arrayBuffer()))).toBe(sha1(await fsp.readFile(files[0])));
    const page = await at('/plugins/2/stable/', 'GET', { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('etag')).toMatch(/^"[0-9a-f]{40}-gz"$/);
    expect(zlib.gunzipSync(Buffer.from(await page.arrayBuffer())).toString()).toContain(plugins[0].id);
  });

  it('serves no symlink and no dot file from the root', async () => {
    const outside = path.join(work, 'outside.tar.bz2');
    await fsp.writeFile(outside, 'secret');
    await fsp.symlink(outside, path.join(root, 'testing', 'acme-leak-1.0-1.0.tar.bz2'));
    await fsp.symlink(path.join(root, 'testing', path.basename(files[1])), path.join(root, 'testing', 'acme-alias-1.0-1.0.tar.bz2'));
    for (const p of ['/plugins/2/testing/acme-leak-1.0-1.0.tar.bz2', '/plugins/2/testing/acme-alias-1.0-1.0.tar.bz2', '/plugins/2/testing/.plugins.db.lock', '/plugins/2/testing/../../etc/passwd']) {
      const res = await at(p);
      expect([400, 403, 404], p).toContain(res.status);
      expect(await res.text()).not.toContain('secret');
    }
  });
});
