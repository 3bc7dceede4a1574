/**
 * The generators through the real nx CLI in a temporary git workspace: what
 * they write is inferred at once, builds, publishes, and loads in the real provd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { provdPythonPath, runConsumer } from './provd-consumer';
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

  it('a generated family and a copied model are inferred at once, publish, and load in provd', () => {
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
        expect(config.metadata.help.command, `${name}:${target}`).toMatch(/^npx nx run \S+:\w+ --help$/);
      }
    }
    expect(ws.project('xivo-acme').metadata.targetGroups).toEqual({ 'provd release': ['version', 'build', 'publish'] });

    ws.nxOk(['run', 'xivo-acme:publish']);
    const consumer = runConsumer(ws.path('dist', 'repository', 'testing'), ['--workdir', ws.path('provd')]);
    expect(consumer.output).toMatch(/PASS xivo-acme-1\.0\.0 install=success load=ok plugin_class=AcmePlugin configure_common=ok/);
    expect(consumer.output).toMatch(/PASS xivo-acme-1\.1\.0 install=success load=ok plugin_class=AcmePlugin configure_common=ok/);
    expect(consumer.output.trim().split('\n').pop()).toBe('provd-consumer: 2 plugins installed, 0 failed');
    expect(consumer.code).toBe(0);

    // a device configured by the copied model: its template (extending common's base.tpl) rendered into tftpboot
    // (provd's dependencies are Debian's: the interpreter the consumer runs under)
    const python = spawnSync('python3', ['-c', 'import twisted'], { encoding: 'utf8' }).status === 0 ? 'python3' : '/usr/bin/python3';
    const configure = spawnSync(python, [join(__dirname, 'provd_configure.py'), provdPythonPath(), ws.path('provd', 'xivo-acme-1.1.0'), 'xivo-acme-1.1.0'], { encoding: 'utf8' });
    expect(configure.status, configure.stderr).toBe(0);
    const report = JSON.parse(configure.stdout);
    expect(report.filename).toBe('001122334455.cfg');
    expect(report.sensitive).toBe(true);
    expect(report.content).toContain('line1.user = alice\nline1.password = s3cret\nline1.registrar = 10.0.0.2');
    expect(report.content).toContain('# Acme T1: settings of this model only');
    expect(report.support).toBe(600); // EXACT: vendor, model and firmware of its capabilities
    expect(report.removed).toBe(true);
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
