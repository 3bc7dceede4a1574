/**
 * `serve --workers 2`: two processes on one port. A write answered by one worker is seen at once
 * by reads on fresh connections, whichever worker takes them (the writer waits until the others
 * dropped their caches); a worker killed is replaced; SIGTERM stops them all.
 */
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_FILE } from '../src/domain';
import { startCliServer, type CliServer } from './cli-server';
import { buildPlugin, put, tempDir, WRITE_ALL } from './fixture';

/** GET on a new connection each time (no keep-alive): the cluster hands connections round-robin. */
function fresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('provd-repo serve --workers 2', () => {
  let root: string;
  let work: string;
  let server: CliServer;
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startCliServer(root, `${WRITE_ALL} *`, ['--workers', '2']);
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [root, work]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('says it runs two workers', () => {
    expect(server.output()).toMatch(/provd-repo: 2 workers/);
  });

  it('every read after a write sees it, on any connection', async () => {
    const db = `${server.base}/testing/${INDEX_FILE}`;
    for (let round = 0; round < 8; round++) {
      // both workers hold the current plugins.db in memory
      for (let i = 0; i < 4; i++) await fresh(db);
      const file = await buildPlugin(work, { id: `acme-w${round}-1.0`, version: '1.0.0' });
      expect((await put(server.base.replace(/\/plugins\/2$/, ''), 'testing', file, WRITE_ALL)).status).toBe(201);
      for (let i = 0; i < 4; i++) {
        const r = await fresh(db);
        expect(r.status).toBe(200);
        expect(Object.keys(JSON.parse(r.body)), `round ${round}, read ${i}`).toContain(`acme-w${round}-1.0`);
      }
    }
  });

  it('a worker killed is replaced, and the port keeps answering', async () => {
    const before = server.output();
    const pids = await workerPids(server.child.pid!);
    expect(pids).toHaveLength(2);
    process.kill(pids[0], 'SIGKILL');
    const end = Date.now() + 30_000;
    while (!/starting another/.test(server.output().slice(before.length)) || (await workerPids(server.child.pid!)).length < 2) {
      if (Date.now() > end) throw new Error(`no replacement worker: ${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 6; i++) expect((await fresh(`${server.base}/testing/${INDEX_FILE}`)).status).toBe(200);
  });

  it('SIGTERM stops every worker, then the primary', async () => {
    const pids = await workerPids(server.child.pid!);
    await server.close();
    expect(server.child.exitCode).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

async function workerPids(primary: number): Promise<number[]> {
  const text = await fsp.readFile(`/proc/${primary}/task/${primary}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}
