/**
 * The sample families are real provd plugins: after `nx run-many -t publish`,
 * provd's own PluginManager installs, loads and configures every one of them,
 * from the channel folder and over HTTP. A plugin provd cannot load fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyFiles } from './collection';
import { serveFolder } from './http';
import { runProvdConsumer } from './provd-consumer';
import { createWorkspace, TestWorkspace } from './workspace';

describe('the real provd loads every published sample plugin', () => {
  let ws: TestWorkspace;
  const testing = () => ws.path('dist/repository/testing');

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static']);
  });
  afterAll(() => ws?.dispose());

  it('from the testing folder: 11 installed, loaded and configured', async () => {
    const r = await runProvdConsumer(testing());
    expect(r.lastLine, r.stdout + r.stderr).toBe('provd-consumer: 11 plugins installed, 0 failed');
    expect(r.code).toBe(0);
    // every plugin went through load() and configure_common() with its IS_PLUGIN class
    const passed = r.stdout.split('\n').filter((l) => l.startsWith('PASS '));
    expect(passed).toHaveLength(11);
    for (const line of passed) expect(line).toMatch(/load=ok plugin_class=(Cisco|Snom|SnomM9)Plugin configure_common=ok$/);
  });

  it('over HTTP, as a provd server fetches a channel', async () => {
    const server = await serveFolder(ws.path('dist/repository'));
    try {
      const r = await runProvdConsumer(`${server.url}/testing/`);
      expect(r.lastLine, r.stdout + r.stderr).toBe('provd-consumer: 11 plugins installed, 0 failed');
      expect(r.code).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a plugin whose class derives from object is reported as failed', async () => {
    // the generated family's entry.py defines an IS_PLUGIN class that is no provd Plugin
    for (const [path, content] of Object.entries(familyFiles({ name: 'fam-obj', models: [{ folder: '1.0', pluginId: 'fam-obj-1.0' }] }))) {
      ws.write(path, content);
    }
    ws.commit('a family that is not a provd plugin');
    ws.nxOk(['run', 'fam-obj-1.0:publish', '--outputStyle=static']);
    const r = await runProvdConsumer(testing());
    expect(r.lastLine, r.stdout + r.stderr).toBe('provd-consumer: 11 plugins installed, 1 failed');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL fam-obj-1\.0[^\n]*\n\s+- \[provd\] load\(\) failed: Exception: plugin fam-obj-1\.0 has no plugin class/);
  });
});
