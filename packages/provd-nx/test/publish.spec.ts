import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkspace, createWorkspace } from './workspace';
import { serveFolder } from './http';
import { runProvdConsumer } from './provd-consumer';
import { familyFiles } from './collection';
import { snapshotFiles } from './file-snapshot';
import { readPackage } from '../src/package/read';

const run = promisify(execFile);
/** the models whose package holds common/common.py (10.1.54 copies common/ too, but common_c/common.py overlays it) */
const SNOM_COMMON = ['xivo-snom-8.4.35', 'xivo-snom-8.7.3', 'xivo-snom-8.9.3.80', 'xivo-snom-8.7.5'];

describe('version and publish: nx affected -t publish', () => {
  let ws: TestWorkspace;
  const testing = () => ws.path('dist/repository/testing');
  const index = (): Record<string, any> => JSON.parse(readFileSync(join(testing(), 'plugins.db'), 'utf8'));
  const indexBytes = () => readFileSync(join(testing(), 'plugins.db'));
  const versions = () => Object.fromEntries(Object.entries(index()).map(([id, e]) => [id, e.version]));
  /** every file of the channel with its SHA-1: "unchanged" means byte for byte */
  const channelState = () =>
    Object.fromEntries(readdirSync(testing()).map((f) => [f, createHash('sha1').update(readFileSync(join(testing(), f))).digest('hex')]));
  const version = (folder: string) => JSON.parse(ws.read(`plugins/xivo-snom/${folder}/plugin-info`)).version;

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    const first = ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static']);
    expect(first.output).toMatch(/provd summary/);
  });
  afterAll(() => ws?.dispose());

  it('the first release puts every model in the testing channel, as provd reads it', () => {
    const db = index();
    expect(Object.keys(db)).toHaveLength(11);
    const e = db['xivo-snom-8.7.3'];
    // the plugin-info verbatim, extra keys included, plus the package facts
    expect(e).toMatchObject({ version: '1.2.0', 'compat.min_provd': 0.9, filename: 'xivo-snom-8.7.3-1.2.0.tar.bz2' });
    expect(e.description_fr).toBeTruthy();
    const file = readFileSync(join(testing(), e.filename));
    expect(e.dsize).toBe(file.length);
    expect(e.sha1sum).toBe(createHash('sha1').update(file).digest('hex'));
    // compact, sorted keys: what Python's json.dump(sort_keys=True, separators=(',', ':')) writes
    const text = indexBytes().toString('utf8');
    expect(text).not.toMatch(/\n|": /);
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(JSON.parse(text)).sort());
  });

  it('edit one model: only it is bumped, built and published; a second run changes nothing', () => {
    const before = index();
    const infoBefore = ws.read('plugins/xivo-snom/8.7.3/plugin-info');
    ws.append('plugins/xivo-snom/8.7.3/templates/720.tpl', '\n<!-- fix -->\n');
    ws.commit('fix 720 template');
    const r = ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--outputStyle=static']);
    expect(r.output).toMatch(/xivo-snom-8\.7\.3\s+1\.2\.0 -> 1\.2\.1\s+bumped\s+published \(testing\)/);
    // the file keeps its formatting: only the version string moved
    expect(ws.read('plugins/xivo-snom/8.7.3/plugin-info')).toBe(infoBefore.replace('"version": "1.2.0"', '"version": "1.2.1"'));
    const after = index();
    expect(after['xivo-snom-8.7.3'].version).toBe('1.2.1');
    for (const id of Object.keys(before)) if (id !== 'xivo-snom-8.7.3') expect(after[id], id).toEqual(before[id]);
    // the superseded package went to the archive
    expect(readdirSync(testing())).not.toContain('xivo-snom-8.7.3-1.2.0.tar.bz2');
    expect(readdirSync(ws.path('dist/repository/archive'))).toContain('xivo-snom-8.7.3-1.2.0.tar.bz2');

    const state = channelState();
    const again = ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--outputStyle=static']);
    expect(again.output).toMatch(/xivo-snom-8\.7\.3\s+1\.2\.1\s+released\s+already published/);
    expect(version('8.7.3')).toBe('1.2.1');
    expect(channelState()).toEqual(state);
    ws.commit('release 8.7.3 1.2.1');
  });

  it('edit common/: every model whose package it changes, and no other (nx affected as an accelerator)', () => {
    const before = versions();
    ws.append('plugins/xivo-snom/common/common.py', '\n# shared fix\n');
    ws.commit('fix common');
    ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--outputStyle=static']);
    const after = versions();
    for (const id of Object.keys(before)) {
      const bumped = SNOM_COMMON.includes(id);
      expect(after[id] !== before[id], `${id}: ${before[id]} -> ${after[id]}`).toBe(bumped);
    }
    ws.commit('release common fix');
  });

  it('--check fails on a change without a bump, --dry-run writes nothing', () => {
    ws.append('plugins/xivo-snom/10.1.46/templates/D785.tpl', '\n<!-- tweak -->\n');
    ws.commit('tweak D785');
    const check = ws.nx(['affected', '-t', 'version', '--base=HEAD~1', '--check', '--outputStyle=static']);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/xivo-snom-10\.1\.46: contents changed without a version bump: still 2\.0\.3 \(2\.0\.3 is in testing with other contents\); fix: npx nx run xivo-snom-10\.1\.46:version/);
    const dry = ws.nxOk(['affected', '-t', 'version', '--base=HEAD~1', '--dry-run', '--outputStyle=static']);
    expect(dry.output).toMatch(/xivo-snom-10\.1\.46: 2\.0\.3 -> 2\.0\.4 \(dry run, nothing written\)/);
    const env = ws.nxOk(['affected', '-t', 'version', '--base=HEAD~1', '--outputStyle=static'], { NX_DRY_RUN: 'true' });
    expect(env.output).toMatch(/2\.0\.3 -> 2\.0\.4 \(dry run/);
    expect(version('10.1.46')).toBe('2.0.3');
  });

  it('a forgotten bump (build and publish without version) is refused and the channel is unchanged', () => {
    const state = channelState();
    const r = ws.nx(['run-many', '-t', 'build,publish', '-p', 'xivo-snom-10.1.46', '--exclude-task-dependencies', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/xivo-snom-10\.1\.46 2\.0\.3: refused: .*different content/);
    expect(r.output).toMatch(/xivo-snom-10\.1\.46\s+2\.0\.3\s+-\s+refused/);
    expect(channelState()).toEqual(state);
  });

  it('nx affected -t publish --dry-run writes no version and nothing to the channel; --bump reaches the version tasks', () => {
    const state = channelState();
    const dry = ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--dry-run', '--outputStyle=static']);
    expect(dry.output).toMatch(/xivo-snom-10\.1\.46: 2\.0\.3 -> 2\.0\.4 \(dry run, nothing written\)/);
    expect(dry.output).toMatch(/xivo-snom-10\.1\.46\s+2\.0\.3 -> 2\.0\.4\s+would bump\s+would be published \(testing\)/);
    expect(version('10.1.46')).toBe('2.0.3');
    expect(channelState()).toEqual(state);

    const minor = ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--bump=minor', '--outputStyle=static']);
    expect(minor.output).toMatch(/xivo-snom-10\.1\.46\s+2\.0\.3 -> 2\.1\.0\s+bumped\s+published \(testing\)/);
    expect(index()['xivo-snom-10.1.46'].version).toBe('2.1.0');
  });

  it('a build is hashed on the plugin-info it packages: undoing a bump never restores the bumped package', async () => {
    // the previous test's version task bumped to 2.1.0 and rebuilt; undo the bump and build alone
    ws.git('checkout', '--', 'plugins/xivo-snom/10.1.46/plugin-info');
    ws.nxOk(['run', 'xivo-snom-10.1.46:build', '--exclude-task-dependencies', '--outputStyle=static']);
    expect(JSON.parse(ws.read('dist/plugins/xivo-snom-10.1.46/plugin-info')).version).toBe('2.0.3');
    const pkg = await readPackage(ws.path('dist/packages/xivo-snom-10.1.46-2.0.3.tar.bz2'));
    expect(JSON.parse(pkg.read('xivo-snom-10.1.46/plugin-info')!.toString()).version).toBe('2.0.3');
  });

  it('a version behind testing takes the released version when the contents match, else --bump passes it; an exact --bump sets it', () => {
    // the bump was undone, but testing holds these contents as 2.1.0 (previous tests): the source takes 2.1.0
    const adopt = ws.nxOk(['run', 'xivo-snom-10.1.46:version', '--bump=minor', '--outputStyle=static']);
    expect(adopt.output).toMatch(/2\.0\.3 -> 2\.1\.0 \(already released as 2\.1\.0 in testing, same contents\)/);
    expect(version('10.1.46')).toBe('2.1.0');
    // other contents than the newer release: the next version passes it
    ws.git('checkout', '--', 'plugins/xivo-snom/10.1.46/plugin-info');
    ws.append('plugins/xivo-snom/10.1.46/templates/D785.tpl', '\n<!-- another -->\n');
    ws.nxOk(['run', 'xivo-snom-10.1.46:version', '--bump=minor']);
    expect(version('10.1.46')).toBe('2.2.0');
    ws.git('checkout', '--', 'plugins/xivo-snom/10.1.46');
    ws.nxOk(['run', 'xivo-snom-10.1.46:version', '--bump=3.0.0-rc.1']);
    expect(version('10.1.46')).toBe('3.0.0-rc.1');
    ws.git('checkout', '--', 'plugins/xivo-snom/10.1.46/plugin-info');
  });

  it('the channel verifies clean, and the real provd installs, loads and configures every plugin from it over HTTP', async () => {
    ws.nxOk(['run', 'provd-repository:verify']);
    const server = await serveFolder(ws.path('dist/repository'));
    const report = join(mkdtempSync(join(tmpdir(), 'provd-consumer-')), 'report.json');
    try {
      const r = await runProvdConsumer(`${server.url}/testing/`, ['--json', report]);
      expect(r.lastLine, r.stdout + r.stderr).toBe('provd-consumer: 11 plugins installed, 0 failed');
      expect(r.code).toBe(0);
      // what provd installed is what the channel lists, version for version
      const installed = JSON.parse(readFileSync(report, 'utf8')).plugins.map((p: any) => [p.plugin_id, p.steps.installed_version]);
      expect(Object.fromEntries(installed)).toEqual(versions());
    } finally {
      await server.close();
      rmSync(dirname(report), { recursive: true, force: true });
    }
  });
});

describe('concurrent publishers through the nx CLI', () => {
  it('8 nx processes publishing at once to one channel lose no entry', async () => {
    const models = Array.from({ length: 8 }, (_, i) => ({ folder: `${i + 1}.0`, pluginId: `fam-par-${i + 1}.0` }));
    const ws = createWorkspace({ files: familyFiles({ name: 'fam-par', models }) });
    try {
      ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
      const nx = join(__dirname, '..', '..', '..', 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
      const runs = models.map((m) =>
        run(process.execPath, [nx, 'run', `${m.pluginId}:publish`, '--exclude-task-dependencies', '--outputStyle=static'], {
          cwd: ws.root,
          env: ws.env(),
        })
      );
      await Promise.all(runs);
      const db = JSON.parse(ws.read('dist/repository/testing/plugins.db'));
      expect(Object.keys(db).sort()).toEqual(models.map((m) => m.pluginId).sort());
      expect(ws.nxOk(['run', 'provd-repository:verify']).output).toMatch(/testing: clean/);
    } finally {
      ws.dispose();
    }
  });
});

describe('a dry run writes nothing anywhere', () => {
  it('publish --dry-run after an edit leaves dist/ (packages, plugin folders, repository) and the build cache as they were; a real publish then bumps, builds and publishes the edit', async () => {
    const models = [
      { folder: '1.0', pluginId: 'fam-dry-1.0' },
      { folder: '2.0', pluginId: 'fam-dry-2.0' },
    ];
    const ws = createWorkspace({ files: familyFiles({ name: 'fam-dry', models }) });
    try {
      ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static']);
      const released = readFileSync(ws.path('dist/packages/fam-dry-1.0-0.1.0.tar.bz2'));
      ws.append('plugins/fam-dry/1.0/templates/model.tpl', '<!-- the fix -->\n');
      ws.commit('fix fam-dry 1.0');

      // files and folders, bytes and mtimes: nothing written, nothing made and removed again
      const dist = () => snapshotFiles(ws.path('dist'), { mtime: true, dirs: true });
      // cache entries (what a later build could hit), not the terminal outputs Nx keeps of every run
      const cacheEntries = () => readdirSync(ws.path('.nx/cache')).filter((n) => /^\d+$/.test(n)).sort();
      const before = await dist();
      const entries = cacheEntries();
      expect(entries.length).toBeGreaterThan(0);
      const dryRuns: Array<{ args: string[]; env?: Record<string, string> }> = [
        { args: ['affected', '-t', 'publish', '--base=HEAD~1', '--dry-run'] },
        { args: ['run', 'fam-dry-1.0:publish', '--dry-run'] },
        { args: ['affected', '-t', 'publish', '--base=HEAD~1'], env: { NX_DRY_RUN: 'true' } },
        { args: ['run', 'fam-dry-1.0:build', '--dry-run'] },
      ];
      for (const { args, env } of dryRuns) {
        const what = `nx ${args.join(' ')}${env ? ' (NX_DRY_RUN=true)' : ''}`;
        const r = ws.nxOk([...args, '--outputStyle=static'], env);
        // each dry run built the edit into its temporary folder (reported with the SHA-1), gone after the run
        const built = /fam-dry-1\.0 0\.1\.0 -> (\S+) \(\d+ bytes, sha1 [0-9a-f]{40}\) \(dry run, not in dist\/\)/.exec(r.output);
        expect(built, `${what}:\n${r.output}`).not.toBeNull();
        expect(existsSync(built![1]), what).toBe(false);
        if (!args.includes('fam-dry-1.0:build')) expect(r.output, what).toMatch(/fam-dry-1\.0\s+0\.1\.0 -> 0\.1\.1\s+would bump\s+would be published \(testing\)/);
        expect(await dist(), what).toEqual(before);
        expect(readFileSync(ws.path('dist/packages/fam-dry-1.0-0.1.0.tar.bz2')).equals(released), what).toBe(true);
        expect(cacheEntries(), what).toEqual(entries);
      }

      // the real run is not fooled by anything a dry run left: bumped, rebuilt, published with the fix
      const real = ws.nxOk(['affected', '-t', 'publish', '--base=HEAD~1', '--outputStyle=static']);
      expect(real.output).toMatch(/fam-dry-1\.0\s+0\.1\.0 -> 0\.1\.1\s+bumped\s+published \(testing\)/);
      const db = JSON.parse(ws.read('dist/repository/testing/plugins.db'));
      expect(db['fam-dry-1.0'].version).toBe('0.1.1');
      const pkg = ws.path('dist/packages/fam-dry-1.0-0.1.1.tar.bz2');
      expect(db['fam-dry-1.0'].sha1sum).toBe(createHash('sha1').update(readFileSync(pkg)).digest('hex'));
      expect((await readPackage(pkg)).read('fam-dry-1.0/templates/model.tpl')!.toString()).toMatch(/the fix/);
      expect(ws.read('dist/plugins/fam-dry-1.0/templates/model.tpl')).toMatch(/the fix/);
      expect(readdirSync(ws.path('dist/repository/archive'))).toEqual(['fam-dry-1.0-0.1.0.tar.bz2']);
      expect(db['fam-dry-2.0'].version).toBe('0.1.0');
      expect(ws.nxOk(['run', 'provd-repository:verify']).output).toMatch(/testing: clean/);
    } finally {
      ws.dispose();
    }
  });
});
