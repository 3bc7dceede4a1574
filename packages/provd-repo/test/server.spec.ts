import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyEntry, INDEX_FILE, openRepository, publishPackage, TOKEN_ENV } from '../src/domain';
import { promote } from '../../provd-nx/src/channel/promote';
import { buildPlugin, hashTree, literal, pluginInfoText, put, sha1, startServer, tempDir, TESTING_ONLY, WRITE_ALL } from './fixture';

type Server = Awaited<ReturnType<typeof startServer>>;

describe('serving channels', () => {
  let root: string;
  let server: Server;
  let pkg: Buffer;
  const id = 'acme-t1-1.0';
  beforeAll(async () => {
    root = await tempDir();
    await fsp.mkdir(path.join(root, 'testing'));
    const file = await buildPlugin(root, { id, version: '0.1.0' });
    pkg = await fsp.readFile(file);
    await fsp.rename(file, path.join(root, 'testing', path.basename(file)));
    await fsp.writeFile(path.join(root, 'testing', INDEX_FILE), '{}');
    await fsp.writeFile(path.join(root, 'testing', '.plugins.db.lock'), 'secret');
    server = await startServer(root, { prefixes: ['/plugins/2', '/plugins/1/addons'] });
  });
  afterAll(async () => {
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
  });
  const url = (p = '/plugins/2') => `${server.base}${p}/testing/${id}-0.1.0.tar.bz2`;

  it('GET carries length, type, ETag and Last-Modified, under every prefix', async () => {
    for (const p of ['/plugins/2', '/plugins/1/addons']) {
      const res = await fetch(url(p));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(pkg.length));
      expect(res.headers.get('content-type')).toBe('application/x-bzip2');
      expect(res.headers.get('etag')).toMatch(/^(W\/)?".+"$/);
      expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(0);
      expect(sha1(Buffer.from(await res.arrayBuffer()))).toBe(sha1(pkg));
    }
  });

  it('HEAD has the headers and no body', async () => {
    const res = await fetch(url(), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(pkg.length));
    expect(res.headers.get('etag')).toBeTruthy();
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 304 to a matching If-None-Match or If-Modified-Since', async () => {
    // node:http, not fetch: fetch adds Cache-Control: no-cache to conditional requests
    const first = await literal(server.base, 'GET', '/plugins/2/testing/acme-t1-1.0-0.1.0.tar.bz2');
    expect(first.status).toBe(200);
    const byTag = await literal(server.base, 'GET', '/plugins/2/testing/acme-t1-1.0-0.1.0.tar.bz2', { 'if-none-match': first.headers.get('etag')! });
    expect(byTag.status).toBe(304);
    const byDate = await literal(server.base, 'GET', '/plugins/2/testing/acme-t1-1.0-0.1.0.tar.bz2', { 'if-modified-since': first.headers.get('last-modified')! });
    expect(byDate.status).toBe(304);
    const stale = await literal(server.base, 'GET', '/plugins/2/testing/acme-t1-1.0-0.1.0.tar.bz2', { 'if-none-match': '"other"' });
    expect(stale.status).toBe(200);
    expect(sha1(Buffer.from(await stale.arrayBuffer()))).toBe(sha1(pkg));
  });

  it('serves byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const res = await fetch(url(), { headers: { range: 'bytes=10-29' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 10-29/${pkg.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(pkg.subarray(10, 30))).toBe(true);
    const tail = await fetch(url(), { headers: { range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(pkg.subarray(pkg.length - 5))).toBe(true);
    const bad = await fetch(url(), { headers: { range: `bytes=${pkg.length + 10}-` } });
    expect(bad.status).toBe(416);
  });

  it('hides dot files and anything outside <channel>/<file>', async () => {
    for (const p of ['/testing/.plugins.db.lock', '/testing/%2e%2e/testing/plugins.db', '/../../etc/passwd', '/testing/nope.tar.bz2']) {
      const res = await literal(server.base, 'GET', `/plugins/2${p}`);
      expect([400, 403, 404]).toContain(res.status);
    }
  });
});

describe('publishing and promoting through HTTP', () => {
  let root: string;
  let work: string;
  let server: Server;
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startServer(root);
    process.env[TOKEN_ENV] = WRITE_ALL;
  });
  afterAll(async () => {
    delete process.env[TOKEN_ENV];
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  const publish = async (spec: { id: string; version: string; salt?: string }) => {
    const file = await buildPlugin(path.join(work, spec.salt ?? 'a'), spec);
    const repo = openRepository(`${server.base}/plugins/2`, work);
    const outcome = await publishPackage(repo.channel('testing'), { pluginId: spec.id, version: spec.version, packageFile: file, pluginInfoText: pluginInfoText(spec) }, { archive: repo.channel('archive') });
    return { file, outcome, repo };
  };
  const download = async (p: string) => {
    const res = await fetch(`${server.base}/plugins/2/${p}`);
    expect(res.status, p).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('publishes with the client backend, indexes on the server and serves the same bytes', async () => {
    const { file, outcome } = await publish({ id: 'acme-t2-2.0', version: '1.0.0' });
    expect(outcome.status).toBe('published');
    const index = JSON.parse((await download(`testing/${INDEX_FILE}`)).toString());
    const local = await fsp.readFile(file);
    expect(index['acme-t2-2.0']).toMatchObject({ version: '1.0.0', filename: 'acme-t2-2.0-1.0.0.tar.bz2', dsize: local.length, sha1sum: sha1(local) });
    expect(sha1(await download('testing/acme-t2-2.0-1.0.0.tar.bz2'))).toBe(sha1(local));
  });

  it('identical bytes are a no-op; same version with other bytes is refused (409) and changes nothing', async () => {
    const again = await publish({ id: 'acme-t2-2.0', version: '1.0.0' });
    expect(again.outcome.status).toBe('already-published');
    const before = await hashTree(root);
    const other = await publish({ id: 'acme-t2-2.0', version: '1.0.0', salt: 'b' });
    expect(other.outcome.status).toBe('refused');
    expect(other.outcome.message).toMatch(/different content/);
    const raw = await put(server.base, 'testing', other.file, WRITE_ALL);
    expect(raw.status).toBe(409);
    expect(await hashTree(root)).toBe(before);
  });

  it('a dry run only reads: it says what would happen and sends no write', async () => {
    const spec = { id: 'acme-t2-2.0', version: '1.0.5' };
    const file = await buildPlugin(path.join(work, 'dry'), spec);
    const repo = openRepository(`${server.base}/plugins/2`, work);
    const before = await hashTree(root);
    const outcome = await publishPackage(repo.channel('testing'), { pluginId: spec.id, version: spec.version, packageFile: file, pluginInfoText: pluginInfoText(spec) }, { archive: repo.channel('archive'), dryRun: true });
    expect(outcome).toMatchObject({ status: 'published', dryRun: true, previous: '1.0.0' });
    expect(outcome.message).toMatch(/^dry run: would publish acme-t2-2\.0 1\.0\.5/);
    expect(await hashTree(root)).toBe(before);
  });

  it('promote only between channels of the same server', async () => {
    const repo = openRepository(`${server.base}/plugins/2`, work);
    const other = openRepository(work, work); // a local folder
    await expect(copyEntry(other.channel('testing'), repo.channel('stable'), 'acme-t2-2.0')).rejects.toThrow(/only promote from a channel of the same server/);
  });

  it('a newer version replaces the entry and moves the old package to the archive', async () => {
    const { outcome } = await publish({ id: 'acme-t2-2.0', version: '1.1.0' });
    expect(outcome).toMatchObject({ status: 'published', previous: '1.0.0' });
    expect(await fsp.readdir(path.join(root, 'archive'))).toContain('acme-t2-2.0-1.0.0.tar.bz2');
    expect(await fsp.readdir(path.join(root, 'testing'))).not.toContain('acme-t2-2.0-1.0.0.tar.bz2');
  });

  it('promotes through HTTP: stable gets the exact bytes and entry of testing', async () => {
    const repo = openRepository(`${server.base}/plugins/2`, work);
    const outcome = await copyEntry(repo.channel('testing'), repo.channel('stable'), 'acme-t2-2.0');
    expect(outcome.status).toBe('published');
    const testing = JSON.parse((await download(`testing/${INDEX_FILE}`)).toString());
    const stable = JSON.parse((await download(`stable/${INDEX_FILE}`)).toString());
    expect(stable['acme-t2-2.0']).toEqual(testing['acme-t2-2.0']);
    const bytes = await download('stable/acme-t2-2.0-1.1.0.tar.bz2');
    expect(sha1(bytes)).toBe(testing['acme-t2-2.0'].sha1sum);
    expect(sha1(bytes)).toBe(sha1(await download('testing/acme-t2-2.0-1.1.0.tar.bz2')));
    expect((await copyEntry(repo.channel('testing'), repo.channel('stable'), 'acme-t2-2.0')).status).toBe('already-published');
  });

  it('rolls back through HTTP: the archived bytes return to stable, the replaced version goes to the archive', async () => {
    const repo = openRepository(`${server.base}/plugins/2`, work);
    const result = await promote({
      name: 'acme-t2',
      models: ['acme-t2-2.0'],
      only: ['acme-t2-2.0'],
      version: '1.0.0',
      fromArchive: true,
      from: repo.channel('archive'),
      fromName: 'archive',
      to: repo.channel('stable'),
      toName: 'stable',
      archive: repo.channel('archive'),
    });
    expect(result.rows.map((r) => [r.model, r.toVersion, r.fromVersion, r.action])).toEqual([['acme-t2-2.0', '1.1.0', '1.0.0', 'promoted']]);
    expect(result.ok).toBe(true);
    const stable = JSON.parse((await download(`stable/${INDEX_FILE}`)).toString());
    expect(stable['acme-t2-2.0']).toMatchObject({ version: '1.0.0', sha1sum: sha1(await fsp.readFile(path.join(root, 'archive', 'acme-t2-2.0-1.0.0.tar.bz2'))) });
    expect(await fsp.readdir(path.join(root, 'stable'))).not.toContain('acme-t2-2.0-1.1.0.tar.bz2');
    expect(await fsp.readdir(path.join(root, 'archive'))).toContain('acme-t2-2.0-1.1.0.tar.bz2');
    // forward again, for the tests below
    expect((await copyEntry(repo.channel('testing'), repo.channel('stable'), 'acme-t2-2.0')).status).toBe('published');
  });

  it('16 concurrent uploaders lose nothing', async () => {
    const specs = Array.from({ length: 16 }, (_, i) => ({ id: `acme-c${i}-1.0`, version: `0.${i}.0` }));
    const files = await Promise.all(specs.map((s) => buildPlugin(path.join(work, 'c'), s)));
    const statuses = await Promise.all(files.map(async (f) => (await put(server.base, 'testing', f, WRITE_ALL)).status));
    expect(statuses).toEqual(Array(16).fill(201));
    const index = JSON.parse((await download(`testing/${INDEX_FILE}`)).toString());
    for (const [i, s] of specs.entries()) {
      const local = await fsp.readFile(files[i]);
      expect(index[s.id]?.sha1sum, s.id).toBe(sha1(local));
      expect(sha1(await download(`testing/${index[s.id].filename}`))).toBe(sha1(local));
    }
    expect(index['acme-t2-2.0'].version).toBe('1.1.0'); // the earlier entry survived
  });
});

describe('refusals change nothing', () => {
  let root: string;
  let work: string;
  let server: Server;
  let good: string;
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startServer(root, { bodyLimit: 64 * 1024 });
    good = await buildPlugin(work, { id: 'acme-r1-1.0', version: '1.0.0' });
    expect((await put(server.base, 'testing', good, WRITE_ALL)).status).toBe(201);
    expect((await put(server.base, 'stable', good, WRITE_ALL)).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  const raw = (p: string, init: RequestInit) => fetch(`${server.base}/plugins/2/${p}`, init);
  const auth = (token = WRITE_ALL) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' });

  const cases: [string, number, () => Promise<Response>][] = [
    ['body over the limit (declared)', 413, async () => raw('testing/acme-big-1.0-1.0.0.tar.bz2', { method: 'PUT', headers: auth(), body: Buffer.alloc(70 * 1024, 1) })],
    [
      'body over the limit (streamed, no length)',
      413,
      async () =>
        raw('testing/acme-big-1.0-1.0.0.tar.bz2', {
          method: 'PUT',
          headers: auth(),
          body: new ReadableStream({
            start(c) {
              for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(16 * 1024));
              c.close();
            },
          }),
          duplex: 'half',
        } as RequestInit),
    ],
    ['traversal in the channel', 400, async () => literal(server.base, 'PUT', '/plugins/2/%2e%2e/acme-r1-1.0-2.0.0.tar.bz2', auth(), await fsp.readFile(good))],
    ['traversal in the file name', 400, async () => raw('testing/..%2Fstable%2Fx.tar.bz2', { method: 'PUT', headers: auth(), body: await fsp.readFile(good) })],
    ['a name that is not a package', 400, async () => raw('testing/plugins.db', { method: 'PUT', headers: auth(), body: '{}' })],
    ['upload into the archive', 400, async () => raw('archive/acme-r1-1.0-1.0.0.tar.bz2', { method: 'PUT', headers: auth(), body: await fsp.readFile(good) })],
    ['no token', 401, async () => raw('testing/acme-r1-1.0-1.0.0.tar.bz2', { method: 'PUT', body: await fsp.readFile(good) })],
    ['a wrong token', 401, async () => raw('testing/acme-r1-1.0-1.0.0.tar.bz2', { method: 'PUT', headers: auth('not-a-token-at-all-000'), body: await fsp.readFile(good) })],
    ['a token scoped to testing writing stable', 403, async () => raw('stable/acme-r1-1.0-1.0.0.tar.bz2', { method: 'PUT', headers: auth(TESTING_ONLY), body: await fsp.readFile(good) })],
    ['promote with a token scoped to testing', 403, async () => raw('stable/promote', { method: 'POST', headers: { ...auth(TESTING_ONLY), 'content-type': 'application/json' }, body: JSON.stringify({ pluginId: 'acme-r1-1.0', from: 'testing' }) })],
    ['a corrupt package', 422, async () => raw('testing/acme-r1-1.0-2.0.0.tar.bz2', { method: 'PUT', headers: auth(), body: Buffer.from('BZh91AY&SY garbage') })],
    ['a package under another name', 422, async () => raw('testing/acme-r1-1.0-2.0.0.tar.bz2', { method: 'PUT', headers: auth(), body: await fsp.readFile(good) })],
    [
      'a plugin-info with keys reserved for the index',
      422,
      async () => put(server.base, 'testing', await buildPlugin(path.join(work, 'reserved'), { id: 'acme-r2-1.0', version: '1.0.0', extraInfo: { sha1sum: 'x' } }), WRITE_ALL),
    ],
    [
      'a package without its plugin-info',
      422,
      async () => {
        const dir = path.join(work, 'noinfo');
        const file = await buildPlugin(dir, { id: 'acme-r3-1.0', version: '1.0.0' });
        // re-pack without the plugin-info: the real tar + bzip2 tools
        const x = path.join(dir, 'x');
        await fsp.mkdir(x);
        execFileSync('tar', ['-xjf', file, '-C', x]);
        await fsp.rm(path.join(x, 'acme-r3-1.0', 'plugin-info'));
        execFileSync('tar', ['-cjf', file, '-C', x, 'acme-r3-1.0']);
        return put(server.base, 'testing', file, WRITE_ALL);
      },
    ],
    ['same version, other bytes', 409, async () => put(server.base, 'testing', await buildPlugin(path.join(work, 'other'), { id: 'acme-r1-1.0', version: '1.0.0', salt: 'x' }), WRITE_ALL)],
    ['promote of an unknown plugin', 404, async () => raw('stable/promote', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ pluginId: 'acme-none-1.0', from: 'testing' }) })],
  ];

  for (const [what, status, send] of cases) {
    it(`${what}: ${status}`, async () => {
      const before = await hashTree(root);
      const res = await send();
      const body = await res.text();
      expect(res.status, body).toBe(status);
      expect(JSON.parse(body).error ?? JSON.parse(body).message).toBeTruthy();
      expect(await hashTree(root)).toBe(before);
    });
  }
});
