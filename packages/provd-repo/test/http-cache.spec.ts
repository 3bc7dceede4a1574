/**
 * HTTP as caches and provd expect it, over real HTTP on 127.0.0.1: strong ETags (a package's is
 * the SHA-1 plugins.db lists), immutable packages, revalidated plugins.db and pages, 416 with
 * Content-Range, If-Range only on a strong match, compression with Vary, nothing served whose
 * real path leaves the root, and external writes seen without a restart.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_FILE } from '../src/domain';
import { buildPlugin, literal, put, sha1, startServer, tempDir, WRITE_ALL } from './fixture';

type Server = Awaited<ReturnType<typeof startServer>>;

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Polls until `check` holds (an external write reaches the server through a file system event). */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not seen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('HTTP caching of channel files', () => {
  let root: string;
  let work: string;
  let outside: string;
  let server: Server;
  let pkg: Buffer;
  const id = 'acme-h1-1.0';
  const name = `${id}-1.0.0.tar.bz2`;
  const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => literal(server.base, method, `/plugins/2/${p}`, headers);
  const index = async () => JSON.parse((await (await get(`testing/${INDEX_FILE}`)).text()) as string) as Record<string, { sha1sum: string }>;

  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    outside = await tempDir('provd-repo-outside-');
    server = await startServer(root, { prefixes: ['/plugins/2', '/plugins/1/addons'] });
    const file = await buildPlugin(work, { id, version: '1.0.0', description: 'x'.repeat(2000) });
    pkg = await fsp.readFile(file);
    expect((await put(server.base, 'testing', file, WRITE_ALL)).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [root, work, outside]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('a package carries the SHA-1 of plugins.db as its strong ETag and is immutable, under every prefix', async () => {
    const listed = (await index())[id].sha1sum;
    expect(listed).toBe(sha1(pkg));
    for (const prefix of ['/plugins/2', '/plugins/1/addons']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await literal(server.base, method, `${prefix}/testing/${name}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('etag')).toBe(`"${listed}"`);
        expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
        expect(res.headers.get('content-length')).toBe(String(pkg.length));
        expect(res.headers.get('content-encoding')).toBeNull();
        if (method === 'GET') expect(sha1(Buffer.from(await res.arrayBuffer()))).toBe(listed);
      }
    }
    const again = await get(`testing/${name}`, { 'if-none-match': `"${listed}"` });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe(IMMUTABLE);
  });

  it('plugins.db is revalidated: no-cache, a strong ETag from its bytes, 304 on If-None-Match, a new ETag once it changes', async () => {
    const first = await get(`testing/${INDEX_FILE}`);
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('etag')).toBe(`"${sha1(bytes)}"`);
    expect(first.headers.get('vary')).toBe('Accept-Encoding');
    const same = await get(`testing/${INDEX_FILE}`, { 'if-none-match': first.headers.get('etag')! });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(first.headers.get('etag'));
    expect((await get(`testing/${INDEX_FILE}`, { 'if-none-match': `W/${first.headers.get('etag')}` })).status).toBe(304); // weak comparison
    expect((await get(`testing/${INDEX_FILE}`, { 'if-none-match': '"elsewhere"' })).status).toBe(200);
    // a date cannot tell two publishes within one second apart: plugins.db answers it with its bytes
    expect((await get(`testing/${INDEX_FILE}`, { 'if-modified-since': new Date(Date.now() + 3600_000).toUTCString() })).status).toBe(200);
    expect((await get(`testing/${name}`, { 'if-modified-since': new Date(Date.now() + 3600_000).toUTCString() })).status).toBe(304);

    // a publish changes it: the old tag no longer matches, the new bytes come with a new tag
    expect((await put(server.base, 'testing', await buildPlugin(work, { id: 'acme-h2-1.0', version: '0.1.0' }), WRITE_ALL)).status).toBe(201);
    const changed = await get(`testing/${INDEX_FILE}`, { 'if-none-match': first.headers.get('etag')! });
    expect(changed.status).toBe(200);
    const now = Buffer.from(await changed.arrayBuffer());
    expect(Object.keys(JSON.parse(now.toString()))).toContain('acme-h2-1.0');
    expect(changed.headers.get('etag')).toBe(`"${sha1(now)}"`);
  });

  it('416 says the size: Content-Range: bytes */N', async () => {
    const res = await get(`testing/${name}`, { range: `bytes=${pkg.length + 10}-` });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${pkg.length}`);
    expect(res.headers.get('cache-control')).toBeNull(); // not a copy of the package to keep
    const db = await fsp.stat(path.join(root, 'testing', INDEX_FILE));
    const res2 = await get(`testing/${INDEX_FILE}`, { range: `bytes=${db.size}-` });
    expect(res2.status).toBe(416);
    expect(res2.headers.get('content-range')).toBe(`bytes */${db.size}`);
  });

  it('If-Range: a strong matching ETag gets the range; a weak or other validator gets the whole file', async () => {
    const etag = `"${sha1(pkg)}"`;
    const strong = await get(`testing/${name}`, { range: 'bytes=0-99', 'if-range': etag });
    expect(strong.status).toBe(206);
    expect(strong.headers.get('content-range')).toBe(`bytes 0-99/${pkg.length}`);
    expect(Buffer.from(await strong.arrayBuffer()).equals(pkg.subarray(0, 100))).toBe(true);
    for (const validator of [`W/${etag}`, '"0000000000000000000000000000000000000000"', 'Thu, 01 Jan 1970 00:00:00 GMT']) {
      const res = await get(`testing/${name}`, { range: 'bytes=0-99', 'if-range': validator });
      expect(res.status, validator).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(sha1(Buffer.from(await res.arrayBuffer()))).toBe(sha1(pkg));
    }
    // a package's name never gets other bytes: its Last-Modified is a strong validator too
    const lastModified = (await get(`testing/${name}`, {}, 'HEAD')).headers.get('last-modified')!;
    expect((await get(`testing/${name}`, { range: 'bytes=0-99', 'if-range': lastModified })).status).toBe(206);
  });

  it('plugins.db is compressed when the client accepts it (br, gzip), with Vary and a tag per coding; packages never', async () => {
    const plain = Buffer.from(await (await get(`testing/${INDEX_FILE}`)).arrayBuffer());
    const hash = sha1(plain);
    const gz = await get(`testing/${INDEX_FILE}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    expect(gz.headers.get('etag')).toBe(`"${hash}-gz"`);
    const gzBody = Buffer.from(await gz.arrayBuffer());
    expect(gzBody.length).toBeLessThan(plain.length);
    expect(gz.headers.get('content-length')).toBe(String(gzBody.length));
    expect(zlib.gunzipSync(gzBody).equals(plain)).toBe(true);

    const br = await get(`testing/${INDEX_FILE}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('etag')).toBe(`"${hash}-br"`);
    expect(zlib.brotliDecompressSync(Buffer.from(await br.arrayBuffer())).equals(plain)).toBe(true);

    const refused = await get(`testing/${INDEX_FILE}`, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await refused.arrayBuffer()).equals(plain)).toBe(true);
    // the compressed copy revalidates like the plain one
    expect((await get(`testing/${INDEX_FILE}`, { 'accept-encoding': 'gzip', 'if-none-match': `"${hash}-gz"` })).status).toBe(304);
    // a range applies to the plain bytes
    const part = await get(`testing/${INDEX_FILE}`, { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await part.arrayBuffer()).equals(plain.subarray(0, 10))).toBe(true);

    const p = await get(`testing/${name}`, { 'accept-encoding': 'gzip, br' });
    expect(p.headers.get('content-encoding')).toBeNull();
    expect(sha1(Buffer.from(await p.arrayBuffer()))).toBe(sha1(pkg));
  });

  it('pages are revalidated (no-cache, strong ETag, 304) and compressed with Vary', async () => {
    for (const page of ['', 'testing/', `-/plugin/${id}`, '-/compare?from=testing&to=testing']) {
      const plain = await get(page);
      expect(plain.status, page).toBe(200);
      const html = Buffer.from(await plain.arrayBuffer());
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      expect(plain.headers.get('etag')).toBe(`"${sha1(html)}"`);
      expect(plain.headers.get('vary')).toBe('Accept-Encoding');
      expect((await get(page, { 'if-none-match': plain.headers.get('etag')! })).status).toBe(304);
      const gz = await get(page, { 'accept-encoding': 'gzip' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(zlib.gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(html)).toBe(true);
    }
  });

  it('files whose real path leaves the root are not served; a link inside the root is', async () => {
    const secret = path.join(outside, 'secret.tar.bz2');
    await fsp.writeFile(secret, 'not for the internet');
    await fsp.writeFile(path.join(outside, INDEX_FILE), '{"secret": {}}');
    await fsp.symlink(secret, path.join(root, 'testing', 'acme-leak-1.0-1.0.tar.bz2'));
    await fsp.symlink(outside, path.join(root, 'elsewhere'));
    await fsp.mkdir(path.join(root, 'mirror'));
    await fsp.symlink(path.join(root, 'testing', name), path.join(root, 'mirror', name));
    for (const p of ['testing/acme-leak-1.0-1.0.tar.bz2', `elsewhere/${INDEX_FILE}`, 'elsewhere/secret.tar.bz2']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(p, {}, method);
        expect([403, 404], `${method} ${p}`).toContain(res.status);
        if (method === 'GET') expect(await res.text()).not.toContain('secret');
      }
    }
    // nor shown in the pages
    await fsp.mkdir(path.join(root, 'leaky'));
    await fsp.symlink(path.join(outside, INDEX_FILE), path.join(root, 'leaky', INDEX_FILE));
    await fsp.symlink(secret, path.join(root, 'testing', 'secret-9.9.tar.bz2'));
    for (const page of ['leaky/', '-/plugin/secret', '']) {
      const res = await get(page);
      expect(await res.text(), page).not.toMatch(/secret/);
    }
    const inside = await get(`mirror/${name}`);
    expect(inside.status).toBe(200);
    expect(sha1(Buffer.from(await inside.arrayBuffer()))).toBe(sha1(pkg));
  });

  it('sees plugins.db written by another process (replaced or rewritten in place) without a restart', async () => {
    await fsp.mkdir(path.join(root, 'ext'));
    const db = path.join(root, 'ext', INDEX_FILE);
    await fsp.writeFile(db, '{"a": 1}');
    const body = async () => (await get(`ext/${INDEX_FILE}`)).text();
    expect(await body()).toBe('{"a": 1}');
    expect(await body()).toBe('{"a": 1}'); // now served from memory
    await fsp.writeFile(`${db}.tmp`, '{"b": 2}');
    await fsp.rename(`${db}.tmp`, db);
    await eventually(async () => (await body()) === '{"b": 2}', 'a replaced plugins.db');
    await fsp.writeFile(db, '{"c": 3}');
    await eventually(async () => (await body()) === '{"c": 3}', 'a plugins.db rewritten in place');
    await fsp.rm(db);
    await eventually(async () => (await get(`ext/${INDEX_FILE}`)).status === 404, 'a removed plugins.db');
    // a channel folder replaced as a whole
    await fsp.rename(path.join(root, 'ext'), path.join(root, 'ext-old'));
    await fsp.mkdir(path.join(root, 'ext'));
    await fsp.writeFile(db, '{"d": 4}');
    await eventually(async () => (await body()) === '{"d": 4}', 'a replaced channel folder');
  });
});

describe('files over the in-memory bound', () => {
  let root: string;
  let server: Server;
  let pkg: Buffer;
  const name = 'acme-big-1.0-1.0.0.tar.bz2';
  beforeAll(async () => {
    root = await tempDir();
    server = await startServer(root, { cache: { maxFileBytes: 4096, maxBytes: 8192 } });
    const file = await buildPlugin(root, { id: 'acme-big-1.0', version: '1.0.0', firmwareBytes: 64 * 1024 });
    pkg = await fsp.readFile(file);
    expect((await put(server.base, 'testing', file, WRITE_ALL)).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('are streamed from disk with the same headers, ranges included', async () => {
    expect(pkg.length).toBeGreaterThan(4096);
    for (let i = 0; i < 2; i++) {
      const res = await literal(server.base, 'GET', `/plugins/2/testing/${name}`);
      expect(res.headers.get('etag')).toBe(`"${sha1(pkg)}"`);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(sha1(Buffer.from(await res.arrayBuffer()))).toBe(sha1(pkg));
    }
    const part = await literal(server.base, 'GET', `/plugins/2/testing/${name}`, { range: 'bytes=5000-5099' });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(pkg.subarray(5000, 5100))).toBe(true);
  });
});
