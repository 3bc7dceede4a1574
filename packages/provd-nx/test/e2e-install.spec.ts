/**
 * A maintainer's path: an existing collection laid out for the reference
 * builder (plugins/, pgbuild.py, Makefile) gets @provd/nx from a registry,
 * `nx add @provd/nx`, publishes everything, installs it in the real provd,
 * then generates a family and a copied model and publishes those.
 *
 * The package is the built one (dist), installed from a local verdaccio:
 * nothing of this repository's source or node_modules is visible there.
 * @provd/repo comes the same way: `nx run provd-repository:serve` serves the
 * collection's channels, and the real provd installs from the served URL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRegistry, LocalRegistry } from './local-registry';
import { buildPublishedPackage } from './published-package';
import { runProvdConsumer, sharedFile } from './provd-consumer';
import { NX_ENV, REPO_ROOT } from './workspace';

const SAMPLE_FAMILIES = ['xivo-cisco-spa', 'xivo-snom'];
const SAMPLE_PLUGINS = 11;
/** every child process is killed past this: the spec fails, it never hangs (the whole spec takes ~95 s) */
const COMMAND_TIMEOUT = 180_000;
const NX_VERSION = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'nx', 'package.json'), 'utf8')).version;

describe('@provd/nx installed from a registry into an existing collection', () => {
  let registry: LocalRegistry;
  let dir: string;

  const sh = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: registry.env({ ...NX_ENV, ...env }), maxBuffer: 64 << 20, timeout: COMMAND_TIMEOUT, killSignal: 'SIGKILL' });
    const output = (r.stdout ?? '') + (r.stderr ?? '');
    if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}:\n${output}`);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${output}`);
    return output;
  };
  const nx = (...args: string[]) => sh('npx', ['--no-install', 'nx', ...args]);

  beforeAll(async () => {
    // the packages as published, built by their own targets (@provd/repo's build depends on @provd/nx's)
    const repoPackage = buildPublishedPackage(COMMAND_TIMEOUT, '@provd/repo');
    const published = buildPublishedPackage(COMMAND_TIMEOUT);
    registry = await startLocalRegistry();
    dir = mkdtempSync(join(tmpdir(), 'provd-collection-'));
    sh('npm', ['publish', published]);
    sh('npm', ['publish', repoPackage]);

    // a collection as maintainers have it today
    for (const family of SAMPLE_FAMILIES) {
      cpSync(join(REPO_ROOT, 'plugins', family), join(dir, 'plugins', family), { recursive: true, verbatimSymlinks: true });
    }
    const pgbuild = sharedFile('reference', 'pgbuild.py');
    if (pgbuild) copyFileSync(pgbuild, join(dir, 'pgbuild.py'));
    writeFileSync(
      join(dir, 'Makefile'),
      'build:\n\tpython3 pgbuild.py --build --source plugins --destination _build/plugins\n' +
        'package: build\n\tpython3 pgbuild.py --package --source _build/plugins --destination _build/testing\n' +
        '\tpython3 pgbuild.py --db --source _build/testing --destination _build/testing\n'
    );
    writeFileSync(join(dir, '.gitignore'), '_build/\nnode_modules/\n');
    sh('git', ['init', '-q', '-b', 'main']);
    sh('git', ['add', '-A']);
    sh('git', ['commit', '-q', '-m', 'collection']);
  }, 2 * COMMAND_TIMEOUT);

  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm i -D nx @provd/nx, nx add @provd/nx: projects inferred, everything published, installed and loaded by provd', async () => {
    sh('npm', ['init', '-y']);
    sh('npm', ['install', '-D', `nx@${NX_VERSION}`, '@provd/nx']);
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', '@provd', 'nx', 'package.json'), 'utf8'));
    expect(installed.main).toBe('./src/index.js');
    expect(spawnSync('node', ['-e', "require.resolve('@swc-node/register')"], { cwd: dir }).status).not.toBe(0);

    nx('add', '@provd/nx');
    const nxJson = JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toContainEqual({ plugin: '@provd/nx', options: { pluginsDir: 'plugins', distDir: 'dist', repository: 'dist/repository' } });
    expect(nxJson.release.version.versionActions).toBe('@provd/nx/src/release/version-actions');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.nx/workspace-data');
    sh('git', ['add', '-A']);
    sh('git', ['commit', '-q', '-m', 'nx add @provd/nx']);

    const projects = JSON.parse(nx('show', 'projects', '--json').match(/\[[\s\S]*\]/)![0]) as string[];
    expect(projects).toEqual(expect.arrayContaining(['xivo-cisco-spa', 'xivo-snom', 'xivo-cisco-spa-7.5.5', 'xivo-snom-10.1.54', 'provd-repository']));
    const models = projects.filter((p) => /^xivo-(cisco|snom)-.*\d/.test(p) || p.endsWith('-legacy'));

    expect(models).toHaveLength(SAMPLE_PLUGINS);

    nx('run-many', '-t', 'publish');
    // every sample installed (download, SHA-1, extraction) and loaded (IS_PLUGIN class, configure_common) by provd's PluginManager
    const consumer = await runProvdConsumer(join(dir, 'dist', 'repository', 'testing'), [], COMMAND_TIMEOUT);
    expect(consumer.lastLine, consumer.stdout + consumer.stderr).toBe(`provd-consumer: ${SAMPLE_PLUGINS} plugins installed, 0 failed`);
    expect(consumer.code).toBe(0);
    const loaded = consumer.stdout.split('\n').filter((l) => /^PASS \S+ install=success load=ok plugin_class=\w+ configure_common=ok$/.test(l));
    expect(loaded.map((l) => l.split(' ')[1]).sort()).toEqual([...models].sort());
  }, 2 * COMMAND_TIMEOUT);

  it('the published package tests every sample in the real provd (its pytest plugin and smoke script shipped), and promote takes the tested bytes', () => {
    const env = { PROVD_PYTHONPATH: sharedFile('provd', 'pythonpath') ?? '', CI: 'true' };
    const out = sh('npx', ['--no-install', 'nx', 'run-many', '-t', 'test', '--outputStyle=static'], env);
    expect(out).toMatch(/provd test summary \(14 passed, 0 failed\)/);
    expect(out).toMatch(/xivo-cisco-spa-7\.5\.5: pytest 13 passed/);
    const promoted = sh('npx', ['--no-install', 'nx', 'run', 'xivo-snom:promote', '--outputStyle=static'], env);
    expect(promoted).toMatch(/stable: verified clean/);
    expect(promoted).not.toMatch(/refused/);
  }, 2 * COMMAND_TIMEOUT);

  it('nx g family and model --from: built, published, installed and loaded by provd; nx release version uses our VersionActions', async () => {
    nx('g', '@provd/nx:family', 'xivo-acme', '--phoneModels=A1,A2');
    nx('g', '@provd/nx:model', '--family=xivo-acme', '--name=1.1.0', '--from=1.0.0', '--firmware=1.1.0');
    nx('run', 'xivo-acme:publish');
    const consumer = await runProvdConsumer(join(dir, 'dist', 'repository', 'testing'), ['xivo-acme-1.0.0', 'xivo-acme-1.1.0'], COMMAND_TIMEOUT);
    expect(consumer.stdout).toMatch(/PASS xivo-acme-1\.1\.0 install=success load=ok plugin_class=AcmePlugin configure_common=ok/);
    expect(consumer.lastLine, consumer.stdout + consumer.stderr).toBe('provd-consumer: 2 plugins installed, 0 failed');

    expect(nx('list', '@provd/nx')).toMatch(/^model : Add a model/m);
    const release = nx('release', 'version', 'minor', '--projects=xivo-acme-1.1.0', '--dry-run');
    expect(release).toContain('New version 0.2.0 written to plugins/xivo-acme/1.1.0/plugin-info');
  }, 2 * COMMAND_TIMEOUT);

  it('npm i -D @provd/repo: nx run provd-repository:serve serves the channels, and provd installs from the served URL', async () => {
    // without the server package the target says what to install
    const missing = spawnSync('npx', ['--no-install', 'nx', 'run', 'provd-repository:serve'], { cwd: dir, encoding: 'utf8', env: registry.env({ ...NX_ENV }), timeout: COMMAND_TIMEOUT });
    expect(missing.status).not.toBe(0);
    expect(missing.stdout + missing.stderr).toMatch(/provd-repository:serve runs the provd repository server from @provd\/repo, which is not installed here: npm install -D @provd\/repo/);
    sh('npm', ['install', '-D', '@provd/repo']);
    const project = JSON.parse(nx('show', 'project', 'provd-repository', '--json').match(/\{[\s\S]*\}/)![0]);
    expect(project.targets.serve).toMatchObject({ executor: '@provd/repo:serve', options: { root: 'dist/repository' }, continuous: true });

    const server = spawn('npx', ['--no-install', 'nx', 'run', 'provd-repository:serve', '--port=0', '--outputStyle=stream'], {
      cwd: dir,
      env: registry.env({ ...NX_ENV }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: nx, the task and the server stop together
    });
    let output = '';
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no server after ${COMMAND_TIMEOUT} ms:\n${output}`)), COMMAND_TIMEOUT);
        const read = (d: Buffer) => {
          output += d;
          const m = /serving \S+ at (http:\/\/127\.0\.0\.1:\d+\/plugins\/2)\/<channel>\//.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        server.stdout!.on('data', read);
        server.stderr!.on('data', read);
        server.on('exit', (code) => reject(new Error(`nx run provd-repository:serve exited ${code}:\n${output}`)));
      });
      const published = Object.keys(JSON.parse(readFileSync(join(dir, 'dist', 'repository', 'testing', 'plugins.db'), 'utf8')));
      expect(published.length).toBeGreaterThanOrEqual(SAMPLE_PLUGINS);
      const consumer = await runProvdConsumer(`${base}/testing/`, [], COMMAND_TIMEOUT);
      expect(consumer.lastLine, consumer.stdout + consumer.stderr).toBe(`provd-consumer: ${published.length} plugins installed, 0 failed`);
      expect(consumer.code).toBe(0);
      // the server saw provd's requests: the index and the packages came over HTTP
      expect(output).toMatch(/plugins\.db/);
    } finally {
      if (server.exitCode === null) {
        process.kill(-server.pid!, 'SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
    }
  }, 3 * COMMAND_TIMEOUT);
});
