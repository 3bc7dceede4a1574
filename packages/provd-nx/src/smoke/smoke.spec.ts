/**
 * The smoke test with the REAL provd (../shared/provd/pythonpath): packages of the sample
 * families built by the reference builder, and small bad plugins packaged by our own code.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackage } from '../package/create';
import { sharedFile } from '../../test/provd-consumer';
import { referencePackages } from '../../test/reference-builder';
import { REPO_ROOT, useTempDir } from '../../test/temp';
import { checkProvdPython, provdFingerprint } from './provd-python';
import { smokeTest, SmokeOptions } from './smoke';
import { unifiedDiff } from './unified-diff';

const PYTHONPATH = sharedFile('provd', 'pythonpath');
if (!PYTHONPATH) throw new Error('the real provd test client is missing: ../shared/provd/pythonpath beside the repository');

const tmp = useTempDir('smoke-spec-');

/** Every model of both sample families, built by the reference builder from `source` into `out`. */
function buildSamples(source: string, out: string): Record<string, string> {
  const packages = referencePackages(source, ['xivo-cisco-spa', 'xivo-snom'], out);
  // pluginId -> package file (ids end where the version starts: <id>-<version>.tar.bz2)
  const byId: Record<string, string> = {};
  for (const [name, file] of Object.entries(packages)) byId[name.replace(/-[0-9][0-9.]*\.tar\.bz2$/, '')] = file;
  return byId;
}

function options(pluginId: string, packageFile: string, model: string, over: Partial<SmokeOptions> = {}): SmokeOptions {
  const modelDir = tmp('models', model);
  mkdirSync(modelDir, { recursive: true });
  const familyDir = over.familyDir ?? tmp('families', 'none');
  mkdirSync(familyDir, { recursive: true });
  return { pluginId, packageFile, modelDir, familyDir, pythonPath: PYTHONPATH, timeoutMs: 120_000, update: false, ci: false, ...over };
}

function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('smokeTest on the sample families, with the real provd', () => {
  let packages: Record<string, string>;
  const capabilities = (id: string) => Object.keys(JSON.parse(readFileSync(pluginInfoOf(id), 'utf8')).capabilities);
  const pluginInfoOf = (id: string) => join(tmp('ref', 'plugins'), id, 'plugin-info');

  beforeAll(() => {
    packages = buildSamples(join(REPO_ROOT, 'plugins'), tmp('ref'));
  });

  it('renders every declared device of every sample model and writes its snapshots the first time', async () => {
    expect(Object.keys(packages)).toHaveLength(11);
    for (const [id, file] of Object.entries(packages)) {
      const r = await smokeTest(options(id, file, id));
      expect(r.errors, id).toEqual([]);
      expect(r.ok, id).toBe(true);
      expect(r.devices, id).toBe(capabilities(id).length);
      expect(r.written, id).toHaveLength(r.files);
      expect(r.summary, id).toContain(`written: ${r.files} snapshot`);
      const onDisk = filesUnder(tmp('models', id, '__provd__')).map((f) => `__provd__/${f}`);
      expect(onDisk.sort(), id).toEqual([...r.written].sort());
      for (const d of r.deviceResults) {
        expect(d.error, `${id} ${d.name}`).toBeUndefined();
        expect(d.files.length, `${id} ${d.name}`).toBeGreaterThan(0);
        for (const f of d.files) {
          const text = readFileSync(tmp('models', id, '__provd__', d.name, f), 'utf8');
          expect(text, `${id} ${d.name} ${f}`).not.toMatch(/\{\{|\{%/);
          expect(text, `${id} ${d.name} ${f}`).toContain('line-user-1');
        }
      }
    }
    // two SIP lines and a function key reach a phone; configure_common's bootstrap files are kept apart
    const spa = join(tmp('models', 'xivo-cisco-spa-7.5.5', '__provd__'));
    expect(filesUnder(spa).sort()).toEqual([
      'SPA941-7.5.5/var/tftpboot/spa02d41d3d001c.xml',
      'SPA942-7.5.5/var/tftpboot/spa02b60d864f37.xml',
      '_common/var/tftpboot/spa941.cfg',
      '_common/var/tftpboot/spa942.cfg',
    ]);
    const spa941 = readFileSync(join(spa, 'SPA941-7.5.5/var/tftpboot/spa02d41d3d001c.xml'), 'utf8');
    expect(spa941).toContain('<User_ID_2_>line-user-2</User_ID_2_>');
    expect(spa941).toContain('<Password_2_>secret-2</Password_2_>');
    expect(spa941).toContain('fnc=sd;ext=fkey-1001@$PROXY');
    // the DECT base keeps its files in its own tftpboot/
    expect(filesUnder(tmp('models', 'xivo-snom-m9-9.6.2', '__provd__'))).toEqual(['M9-9.6.2/tftpboot/02485c5673e5.cfg']);
  });

  it('a rerun of every model passes and writes nothing: the made-up values are pinned', async () => {
    for (const [id, file] of Object.entries(packages)) {
      const r = await smokeTest(options(id, file, id));
      expect(r.errors, id).toEqual([]);
      expect(r.ok && r.written.length === 0 && r.changed.length === 0 && r.obsolete.length === 0, id).toBe(true);
      expect(r.summary).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')}: ${r.devices} devices?, ${r.files} files?$`));
    }
  });

  it('a changed template line fails with a diff naming the model, device and file; --update takes it', async () => {
    const source = tmp('changed-src');
    cpSync(join(REPO_ROOT, 'plugins'), source, { recursive: true });
    const base = join(source, 'xivo-cisco-spa', 'common', 'templates', 'base.tpl');
    writeFileSync(base, readFileSync(base, 'utf8').replace('<Resync_Periodic>86400</Resync_Periodic>', '<Resync_Periodic>3600</Resync_Periodic>'));
    const changed = buildSamples(source, tmp('changed-ref'));
    const id = 'xivo-cisco-spa-7.5.5';
    const snapshot = tmp('models', id, '__provd__', 'SPA941-7.5.5', 'var', 'tftpboot', 'spa02d41d3d001c.xml');
    const before = readFileSync(snapshot, 'utf8');

    const r = await smokeTest(options(id, changed[id], id));
    expect(r.ok).toBe(false);
    expect(r.changed.sort()).toEqual(['__provd__/SPA941-7.5.5/var/tftpboot/spa02d41d3d001c.xml', '__provd__/SPA942-7.5.5/var/tftpboot/spa02b60d864f37.xml']);
    expect(r.errors).toHaveLength(2);
    const [first] = r.errors;
    expect(first).toMatch(/^xivo-cisco-spa-7\.5\.5: device SPA941-7\.5\.5: var\/tftpboot\/spa02d41d3d001c\.xml differs from its snapshot __provd__\/SPA941-7\.5\.5\/var\/tftpboot\/spa02d41d3d001c\.xml:\n/);
    expect(first).toContain('\n-  <Resync_Periodic>86400</Resync_Periodic>\n+  <Resync_Periodic>3600</Resync_Periodic>\n');
    expect(first).toMatch(/\n@@ -2,7 \+2,7 @@\n/);
    expect(r.written).toEqual([]);
    expect(readFileSync(snapshot, 'utf8')).toBe(before); // a failure writes nothing

    const updated = await smokeTest(options(id, changed[id], id, { update: true }));
    expect(updated.ok, updated.errors.join('\n')).toBe(true);
    expect(updated.written.sort()).toEqual(r.changed);
    expect(readFileSync(snapshot, 'utf8')).toContain('<Resync_Periodic>3600</Resync_Periodic>');
    const rerun = await smokeTest(options(id, changed[id], id));
    expect(rerun.ok && rerun.changed.length === 0).toBe(true);
  });

  it('under CI a missing snapshot fails and nothing is written', async () => {
    const id = 'xivo-cisco-spa2102-5.2.12';
    const r = await smokeTest(options(id, packages[id], 'ci-fresh', { ci: true }));
    expect(r.ok).toBe(false);
    expect(r.written).toEqual([]);
    expect(r.errors).toContain(
      'xivo-cisco-spa2102-5.2.12: device SPA2102-5.2.12: var/tftpboot/spa02097e4fda22.xml has no snapshot __provd__/SPA2102-5.2.12/var/tftpboot/spa02097e4fda22.xml (under CI snapshots are never written: run the test without CI, or with --update, and commit them)',
    );
    expect(existsSync(tmp('models', 'ci-fresh', '__provd__'))).toBe(false);
  });

  it('obsolete snapshots are reported, and removed by --update', async () => {
    const id = 'xivo-cisco-spa2102-5.2.12';
    const o = options(id, packages[id], 'obsolete');
    expect((await smokeTest(o)).ok).toBe(true);
    const stale = join(o.modelDir, '__provd__', 'SPA3102-5.2.12', 'var', 'tftpboot', 'old.xml');
    mkdirSync(dirname(stale), { recursive: true });
    writeFileSync(stale, 'a device no longer declared\n');
    const r = await smokeTest(o);
    expect(r.ok).toBe(true);
    expect(r.obsolete).toEqual(['__provd__/SPA3102-5.2.12/var/tftpboot/old.xml']);
    expect(r.summary).toContain('obsolete: 1 (--update removes them)');
    expect(existsSync(stale)).toBe(true);
    const u = await smokeTest({ ...o, update: true });
    expect(u.obsolete).toEqual(['__provd__/SPA3102-5.2.12/var/tftpboot/old.xml']);
    expect(existsSync(join(o.modelDir, '__provd__', 'SPA3102-5.2.12'))).toBe(false);
  });

  it('provd-test.json adds a 6-line phone (model file) and a DECT base (family file, only where its model is declared)', async () => {
    const familyDir = tmp('families', 'xivo-snom');
    mkdirSync(familyDir, { recursive: true });
    writeFileSync(
      join(familyDir, 'provd-test.json'),
      JSON.stringify({
        devices: [
          { name: 'M9-base-9-lines', model: 'M9', lines: 9, device: { sn: 'SN-M9-1' }, raw_config: { X_dect_handsets: 9, funckeys: { '2': { type: 'blf', value: '1002', label: 'Carol', line: 1 } } } },
        ],
      }),
    );
    const d717 = options('xivo-snom-10.1.54', packages['xivo-snom-10.1.54'], 'snom-custom', { familyDir });
    writeFileSync(join(d717.modelDir, 'provd-test.json'), JSON.stringify({ devices: [{ name: 'D717-6-lines', model: 'D717', lines: 6 }] }));
    const r = await smokeTest(d717);
    expect(r.errors).toEqual([]);
    expect(r.deviceResults.map((d) => d.name)).toEqual(['D120-10.1.54', 'D345-10.1.54', 'D717-10.1.54', 'D717-6-lines']);
    const custom = r.deviceResults[3];
    expect(custom).toMatchObject({ vendor: 'Snom', model: 'D717', version: '10.1.54', source: join(d717.modelDir, 'provd-test.json') });
    const [file] = custom.files;
    const text = readFileSync(join(d717.modelDir, '__provd__', 'D717-6-lines', file), 'utf8');
    for (const n of [1, 2, 3, 4, 5, 6]) expect(text).toContain(`<user_name idx="${n}" perm="R">line-user-${n}</user_name>`);
    expect(text).toContain('<dkey_hold perm="R">keyevent F_R</dkey_hold>'); // the D717 template

    const m9 = await smokeTest(options('xivo-snom-m9-9.6.2', packages['xivo-snom-m9-9.6.2'], 'm9-custom', { familyDir }));
    expect(m9.errors).toEqual([]);
    expect(m9.deviceResults.map((d) => [d.name, d.model, d.version])).toEqual([
      ['M9-9.6.2', 'M9', '9.6.2'],
      ['M9-base-9-lines', 'M9', '9.6.2'],
    ]);
    expect(m9.devices).toBe(2);
  });
});

describe('bad input: one clear error naming the file or model, nothing left behind', () => {
  const ID = 'xivo-bad-1.0';
  const info = JSON.stringify({ version: '1.0', description: 'bad', capabilities: { 'Acme, T1, 1.0': { 'sip.lines': 2 } } });
  let n = 0;
  let previousTmp: string | undefined;

  // every temporary folder smokeTest makes lands here, so the spec sees that none is left
  beforeAll(() => {
    previousTmp = process.env.TMPDIR;
    mkdirSync(tmp('own-tmp'), { recursive: true });
    process.env.TMPDIR = tmp('own-tmp');
  });
  afterAll(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  });

  const ENTRY_HEAD = `
import os
from wazo_provd.plugins import StandardPlugin, TemplatePluginHelper

class AcmePlugin(StandardPlugin):
    IS_PLUGIN = True

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tpl = TemplatePluginHelper(plugin_dir)

    def deconfigure(self, device):
        pass
`;
  const RENDER = `
    def configure(self, device, raw_config):
        tpl = self._tpl.get_dev_template(None, device)
        self._tpl.dump(tpl, raw_config, os.path.join(self._tftpboot_dir, device['mac'].replace(':', '') + '.cfg'))
`;

  /** 1-based number of the first line holding `needle` */
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  async function packageOf(files: Record<string, string>): Promise<string> {
    const dir = tmp('bad', `${n++}`, ID);
    for (const [rel, content] of Object.entries({ 'plugin-info': info, 'templates/base.tpl': 'user={{ sip_lines["1"].username }}\n', ...files })) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), content);
    }
    for (const d of ['var/cache', 'var/installed', 'var/templates', 'var/tftpboot']) mkdirSync(join(dir, d), { recursive: true });
    const file = join(dirname(dir), `${ID}-1.0.tar.bz2`);
    await createPackage(dir, ID, file);
    return file;
  }

  async function run(files: Record<string, string>, over: Partial<SmokeOptions> = {}) {
    const model = `bad-${n}`;
    const r = await smokeTest(options(ID, await packageOf(files), model, over));
    expect(readdirSync(tmp('own-tmp')), 'temporary folders left behind').toEqual([]);
    return { r, modelDir: tmp('models', model) };
  }

  it('a good plugin of this shape passes (the cases below fail for their own reason only)', async () => {
    const { r } = await run({ 'entry.py': ENTRY_HEAD + RENDER });
    expect(r.errors).toEqual([]);
    expect(r.deviceResults[0].files).toEqual(['var/tftpboot/02fd3f17921c.cfg']);
  });

  it('clock and random values are pinned, then redacted: the snapshot is the same on every run', async () => {
    const entry =
      ENTRY_HEAD +
      `
    def configure(self, device, raw_config):
        import datetime, random, secrets, time, uuid
        from datetime import datetime as dt
        lines = [
            'generated ' + time.strftime('%Y-%m-%d %H:%M:%S'),
            'now ' + dt.now().isoformat() + ' today ' + datetime.date.today().isoformat(),
            'nonce %d and token %s' % (random.randint(0, 10**9), secrets.token_hex(8)),
            'uuid ' + str(uuid.uuid4()) + ';',
            'user ' + raw_config['sip_lines']['1']['username'],
        ]
        with open(os.path.join(self._tftpboot_dir, 'v.cfg'), 'w') as f:
            f.write('\\n'.join(lines) + '\\n')
`;
    const first = await run({ 'entry.py': entry });
    expect(first.r.errors).toEqual([]);
    expect(first.r.redacted).toEqual(['__provd__/T1-1.0/var/tftpboot/v.cfg']);
    const snapshot = join(first.modelDir, '__provd__', 'T1-1.0', 'var', 'tftpboot', 'v.cfg');
    expect(readFileSync(snapshot, 'utf8')).toBe('generated [volatile]\nnow [volatile]\nnonce [volatile]\nuuid [volatile];\nuser line-user-1\n');
    const again = await smokeTest(options(ID, await packageOf({ 'entry.py': entry }), basename(first.modelDir)));
    expect(again.errors).toEqual([]);
    expect(again.written).toEqual([]);
  });

  it('a template that does not render', async () => {
    const { r, modelDir } = await run({ 'entry.py': ENTRY_HEAD + RENDER, 'templates/base.tpl': 'ok\n{% for line in %}\n' });
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^xivo-bad-1\.0: device T1-1\.0 \(Acme, T1, 1\.0\): configure\(\) raised TemplateSyntaxError: .* \(templates\/base\.tpl line 2\)$/);
    expect(existsSync(join(modelDir, '__provd__'))).toBe(false);
  });

  it('an entry.py that raises', async () => {
    const entry = ENTRY_HEAD + RENDER + '\nraise RuntimeError("no such firmware table")\n';
    const { r, modelDir } = await run({ 'entry.py': entry });
    expect(r.errors).toEqual([`xivo-bad-1.0: provd cannot load the plugin (entry.py): RuntimeError: no such firmware table (entry.py line ${lineOf(entry, 'raise')})`]);
    expect(existsSync(join(modelDir, '__provd__'))).toBe(false);
  });

  it('a configure() that raises, and one that writes nothing', async () => {
    const entry = ENTRY_HEAD + '\n    def configure(self, device, raw_config):\n        raise KeyError("X_missing")\n';
    const raising = await run({ 'entry.py': entry });
    expect(raising.r.errors).toEqual([`xivo-bad-1.0: device T1-1.0 (Acme, T1, 1.0): configure() raised KeyError: 'X_missing' (entry.py line ${lineOf(entry, 'raise')})`]);
    const silent = await run({ 'entry.py': ENTRY_HEAD + '\n    def configure(self, device, raw_config):\n        pass\n' });
    expect(silent.r.errors).toEqual(['xivo-bad-1.0: device T1-1.0 (Acme, T1, 1.0): configure() wrote no file for this device']);
  });

  it('a configure_common() that raises', async () => {
    const entry = ENTRY_HEAD + RENDER + '\n    def configure_common(self, raw_config):\n        self._tpl.get_template("missing.tpl")\n';
    const { r } = await run({ 'entry.py': entry });
    expect(r.errors).toEqual([`xivo-bad-1.0: configure_common() raised TemplateNotFound: missing.tpl (entry.py line ${lineOf(entry, 'missing.tpl')})`]);
  });

  it('a provd-test.json that is not valid names the file and each problem', async () => {
    const familyDir = tmp('families', 'bad');
    mkdirSync(familyDir, { recursive: true });
    writeFileSync(join(familyDir, 'provd-test.json'), JSON.stringify({ devices: [{ name: 'six lines', lines: 'six' }, { name: 'x', colour: 'red' }, { name: 'x' }] }));
    const { r } = await run({ 'entry.py': ENTRY_HEAD + RENDER }, { familyDir });
    expect(r.errors).toEqual([
      `xivo-bad-1.0: ${join(familyDir, 'provd-test.json')} does not match provd-test.schema.json: ` +
        'devices[0].name: "six lines" does not match ^[A-Za-z0-9][A-Za-z0-9._+-]*$; devices[0].lines: must be an integer, not a string; ' +
        "devices[1]: unknown key 'colour' (known: name, description, vendor, model, version, lines, device, raw_config); " +
        "devices[2].name: 'x' is already the name of another device of this file",
    ]);
    writeFileSync(join(familyDir, 'provd-test.json'), '{"devices": [');
    const broken = await run({ 'entry.py': ENTRY_HEAD + RENDER }, { familyDir });
    expect(broken.r.errors[0]).toMatch(/^xivo-bad-1\.0: \S+provd-test\.json: not valid JSON: /);
  });

  it('a raw config provd rejects names the device and the field', async () => {
    const familyDir = tmp('families', 'bad-raw');
    mkdirSync(familyDir, { recursive: true });
    writeFileSync(join(familyDir, 'provd-test.json'), JSON.stringify({ devices: [{ name: 'french', raw_config: { locale: 'French' } }] }));
    const { r } = await run({ 'entry.py': ENTRY_HEAD + RENDER }, { familyDir });
    expect(r.errors).toEqual([
      `xivo-bad-1.0: device french (Acme, T1, 1.0, from ${join(familyDir, 'provd-test.json')}): raw config rejected by provd (RawConfigSchema): locale: string does not match regex "[a-z]{2}_[A-Z]{2}"`,
    ]);
    expect(r.devices).toBe(1); // the declared device still passed
  });

  it('a hang is killed with its process group and reported', async () => {
    const pidFile = tmp('hang.pid');
    const { r } = await run(
      { 'entry.py': ENTRY_HEAD + RENDER + `\n    def configure_common(self, raw_config):\n        import subprocess, time\n        child = subprocess.Popen(['sleep', '600'])\n        open(${JSON.stringify(pidFile)}, 'w').write(str(child.pid))\n        time.sleep(600)\n` },
      { timeoutMs: 4_000 },
    );
    expect(r.errors).toEqual(['xivo-bad-1.0: the smoke test in provd did not finish within 4 s and was killed (a plugin that hangs in load, configure_common or configure?)']);
    // what the plugin started died with it (a zombie at most, where nothing reaps orphans)
    const stat = `/proc/${Number(readFileSync(pidFile, 'utf8'))}/stat`;
    const state = () => (existsSync(stat) ? readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0] : 'gone');
    for (let i = 0; i < 100 && !['Z', 'gone'].includes(state()); i++) await new Promise((done) => setTimeout(done, 50));
    expect(['Z', 'gone']).toContain(state());
  });
});

describe('provd python', () => {
  it('finds provd in the given folder, and says how to get it when it is not there', () => {
    const ok = checkProvdPython(PYTHONPATH);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    const missing = checkProvdPython(tmp());
    expect(missing).toEqual({
      ok: false,
      message: expect.stringMatching(/^provd's Python code is not in \S+: it holds no wazo_provd\/; set PROVD_PYTHONPATH .*sh \.\.\/shared\/provd\/setup\.sh$/),
    });
    const empty = tmp('empty-provd');
    mkdirSync(join(empty, 'wazo_provd'), { recursive: true });
    const broken = checkProvdPython(empty);
    expect(broken.ok).toBe(false);
    expect((broken as { message: string }).message).toMatch(/cannot import wazo_provd\.plugins \(ModuleNotFoundError: .*\): set PROVD_PYTHONPATH/);
    expect((broken as { message: string }).message).not.toContain('Traceback');
  });

  it('the fingerprint follows the code, not the path', () => {
    const copy = tmp('provd-copy');
    cpSync(PYTHONPATH, copy, { recursive: true });
    expect(provdFingerprint(copy)).toBe(provdFingerprint(PYTHONPATH));
    const edited = tmp('provd-edited');
    cpSync(PYTHONPATH, edited, { recursive: true });
    writeFileSync(join(edited, 'wazo_provd', 'util.py'), readFileSync(join(edited, 'wazo_provd', 'util.py'), 'utf8') + '\n# patched\n');
    expect(provdFingerprint(edited)).not.toBe(provdFingerprint(PYTHONPATH));
  });
});

describe('unifiedDiff', () => {
  it('matches diff -u', () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const b = a.replace('line 3\n', 'line three\n').replace('line 20\n', '').replace('line 25\n', 'line 25\nadded\n');
    const dir = tmp('diff');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    let expected = '';
    try {
      execFileSync('diff', ['-u', '--label', 'a', '--label', 'b', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
    } catch (e) {
      expected = (e as { stdout: string }).stdout;
    }
    expect(unifiedDiff(a, b, 'a', 'b')).toBe(expected);
  });
});
