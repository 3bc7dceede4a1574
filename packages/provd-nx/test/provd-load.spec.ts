/**
 * The sample families are real provd plugins: after `nx run-many -t publish`,
 * provd's own PluginManager installs, loads and configures every one of them,
 * from the channel folder and over HTTP. A plugin provd cannot load fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyFiles } from './collection';
import { serveFolder } from './http';
import { provdConsumerPath, runProvdConsumer } from './provd-consumer';
import { createWorkspace, TestWorkspace } from './workspace';

describe('the real provd loads every published sample plugin', () => {
  let ws: TestWorkspace;
  /** where the consumer installs the plugins (kept for the configure check) */
  let installed: string;
  const testing = () => ws.path('dist/repository/testing');

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static']);
    installed = mkdtempSync(join(tmpdir(), 'provd-installed-'));
  });
  afterAll(() => {
    ws?.dispose();
    if (installed) rmSync(installed, { recursive: true, force: true });
  });

  it('from the testing folder: 11 installed, loaded and configured', async () => {
    const r = await runProvdConsumer(testing(), ['--workdir', installed]);
    expect(r.lastLine, r.stdout + r.stderr).toBe('provd-consumer: 11 plugins installed, 0 failed');
    expect(r.code).toBe(0);
    // every plugin went through load() and configure_common() with its IS_PLUGIN class
    const passed = r.stdout.split('\n').filter((l) => l.startsWith('PASS '));
    expect(passed).toHaveLength(11);
    for (const line of passed) expect(line).toMatch(/load=ok plugin_class=(Cisco|Snom|SnomM9)Plugin configure_common=ok$/);
  });

  it('each installed plugin claims its own devices and configures them from its templates', () => {
    const out = execFileSync('python3', [join(__dirname, 'provd_configure.py'), provdConsumerPath(), installed], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'], // provd's import-time deprecation warnings stay out of the log
    });
    const report: Record<string, any[]> = JSON.parse(out);
    expect(Object.keys(report)).toHaveLength(11);
    for (const [id, devices] of Object.entries(report)) {
      expect(devices.length, id).toBeGreaterThan(0);
      for (const d of devices) {
        const where = `${id} ${d.model}`;
        expect(d.error, where).toBeUndefined();
        expect(d.support, where).toBe(600); // DeviceSupport.EXACT: capabilities and associator agree
        expect(d.content, where).toContain('line-user-1');
        expect(d.content, where).toContain('10.0.0.3');
        expect(d.content, where).not.toMatch(/\{\{|\{%/); // every template construct rendered
        expect(d.sensitive, where).toBe(true);
        expect(d.removed, where).toBe(true);
      }
    }
    // the recipe's sed step reaches the device file
    expect(report['xivo-snom-8.7.5'][0].content).toContain('snom firmware 8.7.5');
    // a model template (through the symlink SPA942.tpl -> SPA941.tpl) renders the function keys
    expect(report['xivo-cisco-spa-7.5.5'].find((d) => d.model === 'SPA942').content).toContain('fkey-1001');
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
