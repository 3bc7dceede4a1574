/**
 * The real provd (its PluginManager, through ../shared/provd/consumer.py; PROVD_CONSUMER
 * overrides) installs, loads and configures every plugin of a channel the server serves:
 * the sample collection of plugins/, published by the real `nx run-many -t publish`
 * through the server, and packages uploaded to it directly.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProvdConsumer } from '../../provd-nx/test/provd-consumer';
import { createWorkspace, type TestWorkspace } from '../../provd-nx/test/workspace';
import { startCliServer, type CliServer } from './cli-server';
import { buildPlugin, put, startServer, tempDir, TESTING_ONLY, WRITE_ALL } from './fixture';

describe('the real provd against the server', () => {
  describe('the sample collection published through the server', () => {
    let root: string;
    let server: CliServer;
    let ws: TestWorkspace;
    beforeAll(async () => {
      root = await tempDir();
      server = await startCliServer(root, `${TESTING_ONLY} testing`);
      ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    });
    afterAll(async () => {
      ws?.dispose();
      await server?.close();
      if (root) await fsp.rm(root, { recursive: true, force: true });
    });

    it('installs, loads and configures every sample plugin from http://127.0.0.1:<port>/plugins/2/testing/', async () => {
      ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static'], { PROVD_REPOSITORY: server.base, PROVD_REPOSITORY_TOKEN: TESTING_ONLY });
      const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', 'plugins.db'), 'utf8')) as Record<string, unknown>;
      // every model folder of the two families (one plugin-info each) is in the index
      const models = (await fsp.readdir(ws.path('plugins'), { recursive: true })).filter((f) => path.basename(String(f)) === 'plugin-info');
      expect(models.length).toBeGreaterThan(1);
      expect(Object.keys(index)).toHaveLength(models.length);
      const r = await runProvdConsumer(`${server.base}/testing/`);
      expect(r.lastLine, r.stdout + r.stderr).toBe(`provd-consumer: ${models.length} plugins installed, 0 failed`);
      expect(r.code, r.stderr).toBe(0);
      // provd fetched the index and every package from the server
      const gets = server.output().split('\n').filter((l) => / GET \/plugins\/2\/testing\/\S+\.tar\.bz2 200 /.test(l));
      expect(new Set(gets.map((l) => l.split(' ')[2])).size).toBe(models.length);
    });
  });

  describe('packages uploaded directly', () => {
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

    it('installs, loads and configures each of them', async () => {
      const report = path.join(work, 'report.json');
      // asynchronously (runProvdConsumer): the server answering provd runs in this very process
      const r = await runProvdConsumer(`${server.base}/plugins/2/testing/`, ['--json', report]);
      expect(r.lastLine, `${r.stdout}\n${r.stderr}`).toBe(`provd-consumer: ${plugins.length} plugins installed, 0 failed`);
      expect(r.code, r.stderr).toBe(0);
      const data = JSON.parse(await fsp.readFile(report, 'utf8'));
      expect(JSON.stringify(data)).toContain(plugins[0].id);
    });
  });
});
