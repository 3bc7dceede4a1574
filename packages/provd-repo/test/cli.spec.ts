/** The real CLI: one log line per request, and SIGTERM lets a request in flight finish. */
import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, tempDir, WRITE_ALL } from './fixture';

const BIN = path.resolve(__dirname, '../bin/provd-repo.js');

describe('provd-repo serve', () => {
  let root: string;
  let work: string;
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('refuses bad flags with a usage line', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '80000', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/--port 80000: not a port number/);
    expect(err).toMatch(/usage: provd-repo serve/);
  });

  it('logs one line per request and finishes an upload in flight on SIGTERM', async () => {
    const pkg = await fsp.readFile(await buildPlugin(work, { id: 'acme-t1-1.0', version: '1.0.0' }));
    const child = spawn(process.execPath, [BIN, 'serve', '--root', root, '--port', '0', '--prefix', '/plugins/2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PROVD_REPO_TOKENS: `${WRITE_ALL} *` },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const port = await new Promise<number>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /serving .* at http:\/\/127\.0\.0\.1:(\d+)\/plugins\/2/.exec(out);
        if (m) resolve(Number(m[1]));
        if (child.exitCode !== null) reject(new Error(out));
      }, 50);
      void exited.then(() => clearInterval(t));
      void new Promise((r) => setTimeout(r, 20_000)).then(() => clearInterval(t));
    });
    const get = await fetch(`http://127.0.0.1:${port}/plugins/2/`);
    expect(get.status).toBe(200);
    await get.text();

    // half an upload, then SIGTERM, then the rest: the server must still answer it
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'PUT', path: '/plugins/2/testing/acme-t1-1.0-1.0.0.tar.bz2', headers: { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/octet-stream', 'content-length': pkg.length } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(pkg.subarray(0, 100));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(pkg.subarray(100)), 300);
      }, 200);
    });
    const res = await response;
    expect(res.status, res.body).toBe(201);
    expect(await exited).toBe(0);
    expect(JSON.parse(await fsp.readFile(path.join(root, 'testing', 'plugins.db'), 'utf8'))['acme-t1-1.0'].version).toBe('1.0.0');
    const requestLines = out.split('\n').filter((l) => /^127\.0\.0\.1 (GET|PUT) /.test(l));
    expect(requestLines).toHaveLength(2);
    expect(requestLines[0]).toMatch(/^127\.0\.0\.1 GET \/plugins\/2\/ 200 \d+ [\d.]+ms$/);
    expect(requestLines[1]).toMatch(/^127\.0\.0\.1 PUT \/plugins\/2\/testing\/acme-t1-1\.0-1\.0\.0\.tar\.bz2 201 \d+ [\d.]+ms$/);
    expect(out).toMatch(/SIGTERM: finishing requests in flight/);
  });
});
