/**
 * check-firmware through the real nx CLI on the sample Snom family, its firmware served
 * by a local server (--mirror maps the vendor's URLs to it): the inferred target, one
 * table, run-many fetching each URL once across the family's and the models' tasks,
 * affected by a pkgs.db change, a broken link failing the run, --offline and --json.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, type RunResult, type TestWorkspace } from './workspace';
import { collect } from './child-process';
import { startFirmwareServer, type FirmwareServer, type Route } from './firmware-server';
import { sharedFile } from './provd-consumer';

const PYTHONPATH = process.env.PROVD_PYTHONPATH || sharedFile('provd', 'pythonpath') || join(REPO_ROOT, '..', 'shared', 'provd', 'pythonpath');

const NX_BIN = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

/** nx without blocking this process, whose event loop serves the firmware. */
async function nx(ws: TestWorkspace, args: string[], env: Record<string, string>): Promise<RunResult> {
  const c = collect(spawn(process.execPath, [NX_BIN, ...args], { cwd: ws.root, env: ws.env(env), stdio: ['ignore', 'pipe', 'pipe'] }));
  const code = (await c.exit) ?? -1;
  return { code, stdout: c.out(), stderr: c.err(), output: c.out() + c.err() };
}

describe('check-firmware through nx', () => {
  let ws: TestWorkspace;
  let server: FirmwareServer;
  let mirror: string;
  const env = { PROVD_PYTHONPATH: PYTHONPATH };

  beforeAll(async () => {
    const routes: Record<string, Route> = {};
    const fam = join(REPO_ROOT, 'plugins', 'xivo-snom');
    for (const model of readdirSync(fam)) {
      const db = join(fam, model, 'pkgs', 'pkgs.db');
      if (!existsSync(db)) continue;
      for (const m of readFileSync(db, 'utf8').matchAll(/^url = https:\/\/firmware\.example\.com(\/\S+)\nsize = (\d+)/gm)) {
        const name = m[1].split('/').pop()!;
        const fixture = join(__dirname, 'firmware', name);
        routes[m[1]] = existsSync(fixture) ? { kind: 'bytes', body: readFileSync(fixture) } : { kind: 'generated', seed: name, size: Number(m[2]) };
      }
    }
    server = await startFirmwareServer(routes);
    mirror = `--mirror=https://firmware.example.com/=${server.url}/`;
    ws = createWorkspace({ families: ['xivo-snom'] });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    ws?.dispose();
  });

  it('is inferred on families and models, described, with pkgs.db as input', () => {
    const model = ws.project('xivo-snom-8.7.3').targets['check-firmware'];
    expect(model.metadata.description).toMatch(/Check the firmware xivo-snom-8.7.3 offers in pkgs\/pkgs.db/);
    expect(model.inputs).toEqual(['{projectRoot}/pkgs/pkgs.db']);
    expect(model.cache).toBe(false);
    const family = ws.project('xivo-snom').targets['check-firmware'];
    expect(family.metadata.description).toMatch(/every model of xivo-snom/);
    expect(family.inputs).toEqual(['{workspaceRoot}/plugins/xivo-snom/*/pkgs/pkgs.db']);
  }, 120_000);

  it('checks a family: one table, every sample link good', async () => {
    const r = await nx(ws, ['run', 'xivo-snom:check-firmware', mirror], env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/model +package +file +host +status +what to change/);
    expect(r.output).toMatch(/xivo-snom-8\.7\.3 +snom-lang-8\.7\.3 +snomlang-8\.7\.3\.zip +firmware\.example\.com +ok/);
    expect(r.output).toMatch(/xivo-snom \(links\): 16 file row\(s\) \(16 ok\); 16 distinct URL\(s\), 16 checked, 0 from the result cache; all good/);
  }, 120_000);

  it('run-many fetches each URL once across the family\'s and the models\' tasks', async () => {
    rmSync(ws.path('dist', '.provd'), { recursive: true, force: true });
    server.hits.clear();
    const r = await nx(ws, ['run-many', '-t', 'check-firmware', mirror, '--parallel=4'], env);
    expect(r.code, r.output).toBe(0);
    const heads = [...server.hits].filter(([k]) => k.startsWith('HEAD '));
    expect(heads.length).toBe(16);
    expect(heads.filter(([, n]) => n !== 1)).toEqual([]);
  }, 180_000);

  it('--download and --install on a model, a moved link failing the run with the line to change; affected by its pkgs.db', async () => {
    const ok = await nx(ws, ['run', 'xivo-snom-8.7.3:check-firmware', '--install', mirror], env);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/snom-lang-8\.7\.3 .* ok/);
    server.routes.set('/snom/old-snom710.bin', { kind: 'redirect', status: 301, to: '/snom/snom710-8.7.3-SIP-r.bin' });
    ws.write('plugins/xivo-snom/8.7.3/pkgs/pkgs.db', ws.read('plugins/xivo-snom/8.7.3/pkgs/pkgs.db').replace('/snom/snom710-8.7.3-SIP-r.bin', '/snom/old-snom710.bin'));
    expect(ws.affectedUncommitted()).toContain('xivo-snom-8.7.3');
    const moved = await nx(ws, ['run', 'xivo-snom-8.7.3:check-firmware', mirror], env);
    expect(moved.code).not.toBe(0);
    expect(moved.output).toMatch(/moved +plugins\/xivo-snom\/8\.7\.3\/pkgs\/pkgs\.db:\d+: url = https:\/\/firmware\.example\.com\/snom\/snom710-8\.7\.3-SIP-r\.bin/);
    const json = await nx(ws, ['run', 'xivo-snom-8.7.3:check-firmware', '--fix', mirror, '--json'], env);
    expect(json.code, json.output).toBe(0);
    const report = JSON.parse(json.stdout.slice(json.stdout.indexOf('{\n'), json.stdout.lastIndexOf('\n}') + 2));
    expect(report.fixes[0]).toMatchObject({ pkgsDb: 'plugins/xivo-snom/8.7.3/pkgs/pkgs.db', written: true });
    expect(ws.read('plugins/xivo-snom/8.7.3/pkgs/pkgs.db')).toContain('url = https://firmware.example.com/snom/snom710-8.7.3-SIP-r.bin');
  }, 180_000);

  it('--offline: a broken pkgs.db named by file and section, no request sent, nothing changed', async () => {
    server.hits.clear();
    const file = 'plugins/xivo-snom/8.7.5/pkgs/pkgs.db';
    const before = ws.read(file);
    ws.write(file, before.replace('a-b = cp $FILE1 firmware/', 'a-b = cp $FILE1 firmware/\nc-d = null\nd-c = null'));
    const r = await nx(ws, ['run', 'xivo-snom-8.7.5:check-firmware', '--offline'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`${file} [install_snom-fw]: a cycle in the installation graph has been detected (as packages snom820-fw, snom821-fw, snom870-fw use it)`);
    expect(server.hits.size).toBe(0);
    ws.write(file, before);
  }, 120_000);
});
