/**
 * The real provd (its PluginManager, through ../shared/provd/consumer.py) installs and loads
 * every plugin of a channel the server published and serves.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, put, startServer, tempDir, WRITE_ALL } from './fixture';

/** PROVD_CONSUMER, else `shared/provd/consumer.py` beside the workspace (or beside its parent, for worktrees). */
const workspace = path.resolve(__dirname, '../../..');
const candidates = [path.join(workspace, '..', 'shared/provd/consumer.py'), path.join(workspace, '../..', 'shared/provd/consumer.py')];
const consumer = process.env.PROVD_CONSUMER ?? candidates.find((c) => existsSync(c)) ?? candidates[0];

describe('the real provd against the server', () => {
  let root: string;
  let work: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  const plugins = [
    { id: 'acme-t1-1.0', version: '1.0.0', models: ['Acme, T1', 'Acme, T2'] },
    { id: 'acme-t1-2.0', version: '0.3.0', models: ['Acme, T1'] },
    { id: 'zeta-z9-v84', version: '2.0.1', models: ['Zeta, Z9'] },
  ];
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startServer(root);
    for (const p of plugins) expect((await put(server.base, 'testing', await buildPlugin(work, p), WRITE_ALL)).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  it('installs, loads and configures every plugin from http://127.0.0.1:<port>/plugins/2/testing/', async () => {
    expect(existsSync(consumer), `the provd consumer is missing at ${consumer} (set PROVD_CONSUMER)`).toBe(true);
    const report = path.join(work, 'report.json');
    // asynchronously: the server answering provd runs in this very process
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('python3', [consumer, `${server.base}/plugins/2/testing/`, '--json', report], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (err += d));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1), `${stdout}\n${stderr}`).toBe(`provd-consumer: ${plugins.length} plugins installed, 0 failed`);
    expect(code, stderr).toBe(0);
    const data = JSON.parse(await fsp.readFile(report, 'utf8'));
    expect(JSON.stringify(data)).toContain(plugins[0].id);
  });
});
