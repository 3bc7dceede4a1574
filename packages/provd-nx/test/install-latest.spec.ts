/**
 * The README's "Add it to your collection" commands, run LITERALLY as a new
 * user runs them, in a collection's own repository as it is published (no
 * package.json, a .gitignore that does not mention node_modules):
 *
 *   npm init -y
 *   npm i -D nx @provd/nx
 *   npx nx add @provd/nx
 *
 * No version pin: npm installs the Nx a new user gets today, so when a later
 * Nx major breaks the plugin (or its peer ranges refuse it), this spec is what
 * fails first. The same runs a second time pinned to the oldest Nx we support.
 * @provd/nx is the built package, published to a local verdaccio that proxies
 * everything else to the registry npm is configured with.
 *
 * Then each collection upgrades with `nx migrate` to a later release that
 * renames an option. No option has been renamed yet, so that release is this
 * build with a hypothetical rename in its table (src/migrations/renamed-options),
 * published under a tag that is not `latest`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRegistry, LocalRegistry } from './local-registry';
import { buildPublishedPackage } from './published-package';
import { runProvdConsumer } from './provd-consumer';
import { NX_ENV, REPO_ROOT } from './workspace';

const SAMPLE_FAMILIES = ['xivo-cisco-spa', 'xivo-snom'];
const SAMPLE_MODELS = 11;
/** the oldest Nx the peer ranges accept: this workspace's own toolchain */
const OLDEST_NX = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'nx', 'package.json'), 'utf8')).version as string;
/** every child process is killed past this: the spec fails, it never hangs */
const COMMAND_TIMEOUT = 300_000;
/** the later release that renames an option (hypothetical): `repo` -> `repository`, plugin and publish executor */
const NEXT = '0.2.1-rename';
const MIGRATE_ENV = { NX_MIGRATE_USE_LOCAL: 'true' };
const RENAMES = [
  { since: NEXT, scope: 'plugin', from: 'repo', to: 'repository' },
  { since: NEXT, scope: 'publish', from: 'repo', to: 'repository' },
];

interface Run {
  code: number;
  output: string;
}

/** What the registry lacks, from npm's own 404/ETARGET lines: the spec names it instead of a wall of npm log. */
export function missingFromRegistry(output: string): string[] {
  const missing = new Set<string>();
  for (const m of output.matchAll(/'(\S+?)' is not in this registry/g)) missing.add(m[1]);
  for (const m of output.matchAll(/No matching version found for (\S+?)\.?\s*$/gm)) missing.add(m[1]);
  return [...missing];
}

describe("the README's commands, as written, on a fresh collection", () => {
  let registry: LocalRegistry;
  const dirs: string[] = [];

  beforeAll(async () => {
    const published = buildPublishedPackage(COMMAND_TIMEOUT);
    registry = await startLocalRegistry();
    const r = spawnSync('npm', ['publish', published], { encoding: 'utf8', env: registry.env(), timeout: COMMAND_TIMEOUT });
    if (r.status !== 0) throw new Error(`npm publish exited ${r.status}:\n${r.stdout}${r.stderr}`);

    // the later release: this build, its rename table holding RENAMES, its migration registered at its version
    const next = mkdtempSync(join(tmpdir(), 'provd-nx-next-'));
    dirs.push(next);
    cpSync(published, next, { recursive: true });
    const edit = (rel: string, change: (text: string) => string) => writeFileSync(join(next, rel), change(readFileSync(join(next, rel), 'utf8')));
    edit('package.json', (t) => JSON.stringify({ ...JSON.parse(t), version: NEXT }, null, 2));
    edit('migrations.json', (t) => {
      const m = JSON.parse(t);
      m.generators['rename-options'].version = NEXT;
      return JSON.stringify(m, null, 2);
    });
    edit('src/migrations/renamed-options.js', (t) => {
      if (!t.includes('exports.RENAMED_OPTIONS = [];')) throw new Error(`the built rename table is not the empty one this spec expects:\n${t}`);
      return t.replace('exports.RENAMED_OPTIONS = [];', `exports.RENAMED_OPTIONS = ${JSON.stringify(RENAMES)};`);
    });
    const n = spawnSync('npm', ['publish', '--tag', 'next', next], { encoding: 'utf8', env: registry.env(), timeout: COMMAND_TIMEOUT });
    if (n.status !== 0) throw new Error(`npm publish exited ${n.status}:\n${n.stdout}${n.stderr}`);
  }, 2 * COMMAND_TIMEOUT);

  afterAll(async () => {
    await registry?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A collection's repository as maintainers publish it: families, a .gitignore without node_modules, no package.json. */
  function freshCollection(): string {
    const dir = mkdtempSync(join(tmpdir(), 'provd-readme-'));
    dirs.push(dir);
    for (const family of SAMPLE_FAMILIES) {
      cpSync(join(REPO_ROOT, 'plugins', family), join(dir, 'plugins', family), { recursive: true, verbatimSymlinks: true });
    }
    writeFileSync(join(dir, '.gitignore'), '_build/\n*.pyc\n');
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'collection']]) {
      execFileSync('git', args, { cwd: dir, env: { ...process.env, ...NX_ENV }, stdio: 'pipe' });
    }
    return dir;
  }

  /** One of the README's command lines, split as a shell would; its output on failure. */
  function command(dir: string, line: string, env: Record<string, string> = {}): Run {
    const [cmd, ...args] = line.split(' ');
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: registry.env({ ...NX_ENV, ...env }), maxBuffer: 64 << 20, timeout: COMMAND_TIMEOUT, killSignal: 'SIGKILL' });
    const output = (r.stdout ?? '') + (r.stderr ?? '');
    if (r.error) throw new Error(`${line}: ${r.error.message}\n${output}`);
    return { code: r.status ?? -1, output };
  }

  function ok(dir: string, line: string, nxVersion?: string, env: Record<string, string> = {}): string {
    const r = command(dir, line, env);
    if (r.code === 0) return r.output;
    const missing = missingFromRegistry(r.output);
    const lacks = missing.length ? `the registry lacks ${missing.join(', ')}${nxVersion ? `, which Nx ${nxVersion} needs` : ''}: ` : '';
    throw new Error(`${lacks}\`${line}\` exited ${r.code}:\n${r.output}`);
  }

  const installed = (dir: string, pkg: string): string => JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;

  async function readmeCommands(install: string): Promise<{ nx: string; devkit: string }> {
    const dir = freshCollection();
    ok(dir, 'npm init -y');
    ok(dir, install);
    const nx = installed(dir, 'nx');
    const devkit = installed(dir, '@nx/devkit');
    console.log(`\`${install}\` installed nx ${nx}, @nx/devkit ${devkit}, @provd/nx ${installed(dir, '@provd/nx')}`);
    ok(dir, 'npx nx add @provd/nx', nx);

    const shown = ok(dir, 'npx nx show projects --json', nx);
    const projects = JSON.parse(shown.match(/\[[\s\S]*\]/)![0]) as string[];
    expect(projects).toEqual(expect.arrayContaining([...SAMPLE_FAMILIES, 'xivo-cisco-spa/common', 'xivo-cisco-spa-7.5.5', 'xivo-snom-10.1.54', 'provd-repository']));
    const models = projects.filter((p) => /^xivo-(cisco|snom)-.*\d/.test(p) || p.endsWith('-legacy'));
    expect(models).toHaveLength(SAMPLE_MODELS);

    // one batch process for every model's build -> version -> publish, whatever the Nx major (edges differ)
    const profile = join(dir, 'profile.jsonl');
    ok(dir, 'npx nx run-many -t publish', nx, { PROVD_PROFILE: profile });
    const starts = readFileSync(profile, 'utf8').split('\n').filter((l) => l.includes('batch process start-up'));
    rmSync(profile);
    expect(starts, `Nx ${nx}`).toHaveLength(1);
    const consumer = await runProvdConsumer(join(dir, 'dist', 'repository', 'testing'), [], COMMAND_TIMEOUT);
    expect(consumer.lastLine, consumer.stdout + consumer.stderr).toBe(`provd-consumer: ${SAMPLE_MODELS} plugins installed, 0 failed`);
    const loaded = consumer.stdout.split('\n').filter((l) => /^PASS \S+ install=success load=ok plugin_class=\w+ configure_common=ok$/.test(l));
    expect(loaded.map((l) => l.split(' ')[1]).sort()).toEqual([...models].sort());

    // only what the user should commit: node_modules/, dist/ and Nx's caches are ignored
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' });
    expect(status.split('\n').filter(Boolean).map((l) => l.slice(3)).sort()).toEqual(['.gitignore', 'nx.json', 'package-lock.json', 'package.json']);

    // an upgrade: nx.json written with the option names of this release, then `nx migrate` to the one renaming them
    const nxJsonPath = join(dir, 'nx.json');
    const nxJson = JSON.parse(readFileSync(nxJsonPath, 'utf8'));
    const plugin = nxJson.plugins.find((p: any) => p.plugin === '@provd/nx');
    plugin.options = { pluginsDir: 'plugins', distDir: 'dist', repo: 'dist/repository' };
    nxJson.targetDefaults = { ...nxJson.targetDefaults, '@provd/nx:publish': { options: { repo: 'dist/repository', dryRun: false } } };
    writeFileSync(nxJsonPath, JSON.stringify(nxJson, null, 2) + '\n');
    // the installed Nx runs the migration (by default nx migrate fetches nx@latest and checks its provenance
    // attestations, which a local registry does not serve): so each Nx major's own runner is what is tested
    ok(dir, `npx nx migrate @provd/nx@${NEXT}`, nx, MIGRATE_ENV);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies['@provd/nx']).toMatch(new RegExp(`^\\^?${NEXT}$`));
    const planned = JSON.parse(readFileSync(join(dir, 'migrations.json'), 'utf8')).migrations;
    expect(planned).toEqual([expect.objectContaining({ package: '@provd/nx', name: 'rename-options', version: NEXT })]);
    ok(dir, 'npm install', nx);
    ok(dir, 'npx nx migrate --run-migrations', nx, MIGRATE_ENV);
    const migrated = JSON.parse(readFileSync(nxJsonPath, 'utf8'));
    expect(migrated.plugins.find((p: any) => p.plugin === '@provd/nx').options).toEqual({ pluginsDir: 'plugins', distDir: 'dist', repository: 'dist/repository' });
    expect(migrated.targetDefaults['@provd/nx:publish']).toEqual({ options: { repository: 'dist/repository', dryRun: false } });
    expect(installed(dir, '@provd/nx')).toBe(NEXT);
    return { nx, devkit };
  }

  it('npm i -D nx @provd/nx (no pin: what a new user gets): nx add, projects, publish, the real provd installs every model, a clean tree; nx migrate renames options', async () => {
    const latest = ok(tmpdir(), 'npm view nx version').trim();
    const { nx } = await readmeCommands('npm i -D nx @provd/nx');
    expect(nx).toBe(latest);
  }, 6 * COMMAND_TIMEOUT);

  it('a package the registry lacks fails the spec naming it', () => {
    const dir = freshCollection();
    ok(dir, 'npm init -y');
    expect(() => ok(dir, 'npm i -D nx@999.0.0', '999')).toThrow(/^the registry lacks nx@999\.0\.0, which Nx 999 needs: `npm i -D nx@999\.0\.0` exited 1/);
  });

  it(`npm i -D nx@${OLDEST_NX} @provd/nx (the oldest supported Nx): the same, nx migrate included`, async () => {
    const { nx } = await readmeCommands(`npm i -D nx@${OLDEST_NX} @provd/nx`);
    expect(nx).toBe(OLDEST_NX);
  }, 6 * COMMAND_TIMEOUT);
});
