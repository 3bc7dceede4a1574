/**
 * The defects on the write side, each against a real server on 127.0.0.1: released
 * bytes never change (1), stalled bodies time out (4), a dead lock holder with a reused pid
 * (6), long plugin ids (7), plus the per-token upload cap and client disconnects.
 */
import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootId, INDEX_FILE, LOCK_FILE, processStartTime } from '../src/domain';
import { buildPlugin, hashTree, pluginInfoText, put, sha1, startServer, tempDir, WRITE_ALL } from './fixture';

type Server = Awaited<ReturnType<typeof startServer>>;

/** A PUT whose body is sent by hand: `declared` bytes announced, `sent` bytes written, the socket left open. */
function partialPut(base: string, p: string, declared: number, sent: number): { socket: net.Socket; response: Promise<string> } {
  const { port } = new URL(base);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.write(
    `PUT ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${WRITE_ALL}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(sent, 0x42));
  let data = '';
  socket.on('data', (d) => (data += d));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
  });
  return { socket, response };
}

describe('write safety', () => {
  let root: string;
  let work: string;
  let server: Server;
  const log: string[] = [];
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startServer(root, { log, bodyIdleTimeoutMs: 500, bodyTimeoutMs: 3000, lockTimeoutMs: 1500, maxUploadsPerToken: 2 });
  });
  afterAll(async () => {
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('defect 1: a released name keeps its bytes, even after a downgrade moved it to the archive (409 naming the SHA-1 and where it lives)', async () => {
    const first = await buildPlugin(path.join(work, 'd1a'), { id: 'probe-a', version: '1.0.0' });
    const older = await buildPlugin(path.join(work, 'd1b'), { id: 'probe-a', version: '0.9.0' });
    const other = await buildPlugin(path.join(work, 'd1c'), { id: 'probe-a', version: '1.0.0', salt: 'other bytes' });
    const firstSha = sha1(await fsp.readFile(first));
    expect((await put(server.base, 'testing', first, WRITE_ALL)).status).toBe(201);
    const downgrade = await fetch(`${server.base}/plugins/2/testing/probe-a-0.9.0.tar.bz2?allowDowngrade=true`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/octet-stream' },
      body: await fsp.readFile(older),
    });
    expect(downgrade.status).toBe(201);
    expect(await fsp.readdir(path.join(root, 'archive'))).toContain('probe-a-1.0.0.tar.bz2');
    const before = await hashTree(root);
    const res = await put(server.base, 'testing', other, WRITE_ALL);
    const body = (await res.json()) as { message: string };
    expect(res.status, body.message).toBe(409);
    expect(body.message).toContain(`sha1 ${firstSha} in archive/probe-a-1.0.0.tar.bz2`);
    expect(body.message).toMatch(/was released before with other bytes/);
    expect(await hashTree(root)).toBe(before);
    // the same bytes may come back: that is the same release
    expect((await put(server.base, 'testing', first, WRITE_ALL)).status).toBe(201);
    const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', INDEX_FILE), 'utf8'));
    expect(index['probe-a'].sha1sum).toBe(firstSha);
  });

  it('defect 1 through promote: other bytes under a released name cannot reach stable (409 naming the SHA-1 and where it lives)', async () => {
    const first = await buildPlugin(path.join(work, 'p1a'), { id: 'probe-p', version: '1.0.0' });
    const older = await buildPlugin(path.join(work, 'p1b'), { id: 'probe-p', version: '0.9.0' });
    const other = await buildPlugin(path.join(work, 'p1c'), { id: 'probe-p', version: '1.0.0', salt: 'other bytes' });
    const firstSha = sha1(await fsp.readFile(first));
    expect((await put(server.base, 'stable', first, WRITE_ALL)).status).toBe(201);
    const downgrade = await fetch(`${server.base}/plugins/2/stable/probe-p-0.9.0.tar.bz2?allowDowngrade=true`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/octet-stream' },
      body: await fsp.readFile(older),
    });
    expect(downgrade.status).toBe(201);
    // testing holds other bytes under 1.0.0, as a repository written by older tools may
    const otherBytes = await fsp.readFile(other);
    await fsp.writeFile(path.join(root, 'testing', 'probe-p-1.0.0.tar.bz2'), otherBytes);
    const indexFile = path.join(root, 'testing', INDEX_FILE);
    const index = JSON.parse(await fsp.readFile(indexFile, 'utf8'));
    index['probe-p'] = { ...JSON.parse(pluginInfoText({ id: 'probe-p', version: '1.0.0' })), filename: 'probe-p-1.0.0.tar.bz2', dsize: otherBytes.length, sha1sum: sha1(otherBytes) };
    await fsp.writeFile(indexFile, JSON.stringify(index));
    const before = await hashTree(root);
    const res = await fetch(`${server.base}/plugins/2/stable/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_ALL}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pluginId: 'probe-p', from: 'testing' }),
    });
    const body = (await res.json()) as { message: string };
    expect(res.status, body.message).toBe(409);
    expect(body.message).toContain(`sha1 ${firstSha} in archive/probe-p-1.0.0.tar.bz2`);
    expect(await hashTree(root)).toBe(before);
  });

  it('defect 4: a stalled body gets 408 after the idle timeout, its connection closed and its temp folder gone', async () => {
    const { response } = partialPut(server.base, '/plugins/2/testing/probe-s-1.0.0.tar.bz2', 5000, 100);
    const text = await response; // the server closes the connection
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toMatch(/request body idle for 0\.5 s after 100 bytes \(--body-idle-timeout\)/);
    expect(await fsp.readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('defect 4: a body trickling in gets 408 after the total timeout', async () => {
    const { socket, response } = partialPut(server.base, '/plugins/2/testing/probe-s-1.0.0.tar.bz2', 5000, 10);
    const trickle = setInterval(() => socket.writable && socket.write(Buffer.alloc(10, 0x42)), 200);
    try {
      expect(await response).toMatch(/^HTTP\/1\.1 408 [\s\S]*not complete after 3 s \(--body-timeout\)/);
    } finally {
      clearInterval(trickle);
    }
    expect(await fsp.readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('each token has a cap on uploads in flight: 429 with Retry-After beyond it', async () => {
    const held = [partialPut(server.base, '/plugins/2/testing/probe-c-1.0.0.tar.bz2', 5000, 10), partialPut(server.base, '/plugins/2/testing/probe-c-1.0.1.tar.bz2', 5000, 10)];
    await new Promise((r) => setTimeout(r, 100)); // both requests reach their handlers
    const file = await buildPlugin(path.join(work, 'cap'), { id: 'probe-c', version: '1.0.2' });
    const res = await put(server.base, 'testing', file, WRITE_ALL);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { error: string }).error).toMatch(/already has 2 uploads in flight.*--max-uploads-per-token/);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.response));
    // the server frees both slots once it sees the clients gone
    while (log.filter((l) => /probe-c-1\.0\.[01]\.tar\.bz2: client disconnected/.test(l)).length < 2) await new Promise((r) => setTimeout(r, 20));
  });

  it('a client that disconnects mid-upload is one log line, no stack trace', async () => {
    const from = log.length;
    const { socket, response } = partialPut(server.base, '/plugins/2/testing/probe-d-1.0.0.tar.bz2', 5000, 100);
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await response;
    for (let i = 0; i < 50 && !log.slice(from).some((l) => /disconnected/.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
    const lines = log.slice(from).filter((l) => l.includes('probe-d'));
    expect(lines.filter((l) => /disconnected/.test(l)), lines.join('\n')).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/\n\s+at |error:/);
  });

  it('defect 6: a lock left by a killed PID 1 (the pid now names another process) is broken at once', async () => {
    // what a server run as PID 1 in a container leaves when killed mid-publish: its pid is alive again (the restart)
    const lock = { owner: 'publish probe-k 1.0.0 (killed)', pid: 1, host: os.hostname(), time: new Date().toISOString(), token: 'x', start: `${Number(processStartTime(1) ?? 0) + 12345}`, boot: bootId() };
    await fsp.writeFile(path.join(root, 'testing', LOCK_FILE), JSON.stringify(lock));
    // and the temp file it was writing, named after the same pid and start
    const temp = `.probe-k-1.0.0.tar.bz2.~1~${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')}~${lock.start}-0123456789ab.tmp`;
    await fsp.writeFile(path.join(root, 'testing', temp), 'half a package');
    const file = await buildPlugin(path.join(work, 'd6'), { id: 'probe-k', version: '1.0.0' });
    const res = await put(server.base, 'testing', file, WRITE_ALL);
    expect(res.status, await res.text()).toBe(201);
    await expect(fsp.stat(path.join(root, 'testing', LOCK_FILE))).rejects.toThrow(/ENOENT/);
    expect((await fsp.readdir(path.join(root, 'testing'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('defect 6: a live holder past the wait is a 503 with Retry-After and the holder, never 500', async () => {
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const lock = { owner: 'publish probe-l 1.0.0', pid: holder.pid, host: os.hostname(), time: new Date().toISOString(), token: 'y', start: processStartTime(holder.pid!), boot: bootId() };
      await fsp.writeFile(path.join(root, 'testing', LOCK_FILE), JSON.stringify(lock));
      const file = await buildPlugin(path.join(work, 'd6b'), { id: 'probe-l', version: '1.0.0' });
      const res = await put(server.base, 'testing', file, WRITE_ALL);
      const body = (await res.json()) as { error: string };
      expect(res.status, body.error).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(body.error).toMatch(new RegExp(`held by publish probe-l 1\\.0\\.0 \\(pid ${holder.pid} `));
    } finally {
      holder.kill();
      await fsp.rm(path.join(root, 'testing', LOCK_FILE), { force: true });
    }
  });

  it('defect 7: a plugin id of 128 characters uploads', async () => {
    const id = `p${'x'.repeat(126)}1`;
    expect(id).toHaveLength(128);
    const file = await buildPlugin(path.join(work, 'd7'), { id, version: '1.0.0' });
    const res = await put(server.base, 'testing', file, WRITE_ALL);
    expect(res.status, await res.text()).toBe(201);
    expect(JSON.parse(await fsp.readFile(path.join(root, 'testing', INDEX_FILE), 'utf8'))[id].version).toBe('1.0.0');
  });
});
