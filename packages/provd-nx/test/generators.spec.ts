/**
 * The generators through the real nx CLI in a temporary git workspace: what
 * they write is inferred at once, builds, publishes, and loads in the real provd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { provdConsumerPath, runProvdConsumer } from './provd-consumer';
import { createWorkspace, TestWorkspace } from './workspace';

describe('generators in a real workspace', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-snom'] });
  });
  afterAll(() => ws?.dispose());

  it('--dry-run lists every change and writes nothing', () => {
    const r = ws.nxOk(['g', '@provd/nx:model', '--family=xivo-snom', '--name=8.9.4', '--from=8.9.3.80', '--dry-run']);
    expect(r.output).toContain('CREATE plugins/xivo-snom/8.9.4/plugin-info');
    expect(r.output).toContain('UPDATE plugins/xivo-snom/build.py');
    expect(ws.git('status', '--porcelain')).toBe('');
  });

  it('a generated family and a copied model are inferred at once, publish, and load in provd', async () => {
    ws.nxOk(['g', '@provd/nx:family', 'xivo-acme', '--vendor=Acme', '--phoneModels=T1,T2']);
    ws.nxOk(['g', '@provd/nx:model', '--family=xivo-acme', '--name=1.1.0', '--from=1.0.0', '--firmware=1.1.0']);
    const projects = ws.projects();
    expect(projects).toEqual(expect.arrayContaining(['xivo-acme', 'xivo-acme/common', 'xivo-acme-1.0.0', 'xivo-acme-1.1.0']));
    const model = ws.project('xivo-acme-1.1.0');
    expect(model.metadata.provd.reads).toEqual(['common', '1.1.0']);
    // Nx Console: every target says what it does and how to ask for its options; families group them
    for (const name of ['xivo-acme', 'xivo-acme-1.1.0', 'provd-repository']) {
      for (const [target, config] of Object.entries<any>(ws.project(name).targets)) {
        expect(config.metadata.description, `${name}:${target}`).toMatch(/\w/);
        expect(config.metadata.help.command, `${name}:${target}`).toMatch(/^npx nx run \S+:[\w-]+ --help$/);
      }
    }
    expect(ws.project('xivo-acme').metadata.targetGroups).toEqual({ 'provd release': ['version', 'build', 'test', 'publish'], 'provd channels': ['status', 'promote'] });

    ws.nxOk(['run', 'xivo-acme:publish']);
    const consumer = await runProvdConsumer(ws.path('dist', 'repository', 'testing'), ['--workdir', ws.path('provd')]);
    expect(consumer.stdout).toMatch(/PASS xivo-acme-1\.0\.0 install=success load=ok plugin_class=AcmePlugin configure_common=ok/);
    expect(consumer.stdout).toMatch(/PASS xivo-acme-1\.1\.0 install=success load=ok plugin_class=AcmePlugin configure_common=ok/);
    expect(consumer.lastLine, consumer.stdout + consumer.stderr).toBe('provd-consumer: 2 plugins installed, 0 failed');
    expect(consumer.code).toBe(0);

    // a device of each capability configured by the copied model: its template (extending common's base.tpl)
    // rendered into tftpboot, claimed EXACT by its associator, removed by deconfigure
    const configure = spawnSync('python3', [join(__dirname, 'provd_configure.py'), provdConsumerPath(), ws.path('provd')], { encoding: 'utf8', timeout: 120_000 });
    expect(configure.status, configure.stderr).toBe(0);
    const devices: any[] = JSON.parse(configure.stdout)['xivo-acme-1.1.0'];
    expect(devices.map((d) => d.model)).toEqual(['T1', 'T2']);
    const [t1] = devices;
    expect(t1.error, t1.error).toBeUndefined();
    expect(t1.filename).toBe('0011223344aa.cfg');
    expect(t1.sensitive).toBe(true);
    expect(t1.content).toContain('line1.user = line-user-1\nline1.password = secret\nline1.registrar = 10.0.0.3');
    expect(t1.content).toContain('# Acme T1: settings of this model only');
    expect(t1.support).toBe(600); // EXACT: vendor, model and firmware of its capabilities
    expect(t1.removed).toBe(true);
  });

  it('refuses a plugin id the workspace already has', () => {
    const r = ws.nx(['g', '@provd/nx:model', '--family=xivo-acme', '--name=2.0.0', '--pluginId=xivo-snom-8.4.35']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("plugin id 'xivo-snom-8.4.35' already exists: plugins/xivo-snom/build.py (target '8.4.35')");
  });

  it('nx list and --help describe every generator and option', () => {
    const list = ws.nxOk(['list', '@provd/nx']).output;
    for (const g of ['family', 'model']) expect(list).toMatch(new RegExp(`^${g} : \\S.{20,}`, 'm'));
    const help = ws.nxOk(['g', '@provd/nx:model', '--help']).output.replace(/\s+/g, ' ');
    for (const option of ['--family', '--name', '--from', '--pluginId', '--firmware', '--version', '--description']) {
      expect(help).toMatch(new RegExp(`${option} [A-Za-z]`));
    }
  });
});
