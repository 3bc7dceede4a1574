import { addProjectConfiguration, readJson, readNxJson, Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { renameOptions } from './rename-options';
import { RENAMED_OPTIONS, RenamedOption } from './renamed-options';

const PACKAGE = join(__dirname, '..', '..');
const MIGRATIONS = JSON.parse(readFileSync(join(PACKAGE, 'migrations.json'), 'utf8'));
const VERSION = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version as string;

/** Hypothetical renames: none is real yet (the shipped table is empty), these prove the mechanism. */
const TABLE: RenamedOption[] = [
  { since: '0.2.0', scope: 'plugin', from: 'pluginsFolder', to: 'pluginsDir' },
  { since: '0.2.0', scope: 'publish', from: 'repo', to: 'repository' },
  { since: '0.3.0', scope: 'publish', from: 'repository', to: 'target' },
  { since: '0.2.0', scope: 'build', from: 'out', to: 'distDir' },
];

describe('rename-options migration', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    const nxJson = readNxJson(tree)!;
    nxJson.plugins = [
      '@nx/js/typescript',
      { plugin: '@provd/nx', options: { pluginsFolder: 'src/plugins', distDir: 'dist' } },
      { plugin: '@other/plugin', options: { pluginsFolder: 'x' } },
    ];
    nxJson.targetDefaults = {
      '@provd/nx:publish': { options: { repo: 'user@host:/srv/provd' }, configurations: { stable: { repo: '/srv/stable', channel: 'stable' } } },
      build: { executor: '@provd/nx:build', options: { out: 'out', distDir: 'kept' } },
      test: { executor: '@other/plugin:test', options: { out: 'x', repo: 'y' } },
      // Nx 23.3's filtered form
      release: [{ filter: { executor: '@provd/nx:publish' }, options: { repo: 'a' } }, { filter: { executor: 'nx:noop' }, options: { repo: 'b' } }],
    } as any;
    updateNxJson(tree, nxJson);
    addProjectConfiguration(tree, 'xivo-acme', {
      root: 'plugins/xivo-acme',
      targets: {
        release: { executor: '@provd/nx:publish', options: { repo: 'dist/repo' } },
        other: { executor: 'nx:run-commands', options: { repo: 'z' } },
      },
    });
  });

  it('rewrites the plugin options and its executors\' options in nx.json and project.json, in table order; nothing else; a second run changes nothing', async () => {
    const changes = await renameOptions(tree, TABLE);
    const nxJson = readNxJson(tree)!;
    expect(nxJson.plugins).toEqual([
      '@nx/js/typescript',
      { plugin: '@provd/nx', options: { pluginsDir: 'src/plugins', distDir: 'dist' } },
      { plugin: '@other/plugin', options: { pluginsFolder: 'x' } },
    ]);
    expect(nxJson.targetDefaults).toEqual({
      // repo -> repository -> target: a chain of renames follows the table
      '@provd/nx:publish': { options: { target: 'user@host:/srv/provd' }, configurations: { stable: { target: '/srv/stable', channel: 'stable' } } },
      // a value already under the new name wins
      build: { executor: '@provd/nx:build', options: { distDir: 'kept' } },
      test: { executor: '@other/plugin:test', options: { out: 'x', repo: 'y' } },
      release: [{ filter: { executor: '@provd/nx:publish' }, options: { target: 'a' } }, { filter: { executor: 'nx:noop' }, options: { repo: 'b' } }],
    });
    const project = readJson(tree, 'plugins/xivo-acme/project.json');
    expect(project.targets).toEqual({
      release: { executor: '@provd/nx:publish', options: { target: 'dist/repo' } },
      other: { executor: 'nx:run-commands', options: { repo: 'z' } },
    });
    expect(changes).toContain('nx.json plugins[1].options: pluginsFolder -> pluginsDir');
    expect(changes).toContain('plugins/xivo-acme/project.json targets.release.options: repo -> repository');

    const files = ['nx.json', 'plugins/xivo-acme/project.json'].map((f) => tree.read(f, 'utf-8'));
    expect(await renameOptions(tree, TABLE)).toEqual([]);
    expect(['nx.json', 'plugins/xivo-acme/project.json'].map((f) => tree.read(f, 'utf-8'))).toEqual(files);
  });

  it('with the shipped table (no rename yet) changes nothing', async () => {
    const before = tree.read('nx.json', 'utf-8');
    expect(await renameOptions(tree)).toEqual([]);
    expect(tree.read('nx.json', 'utf-8')).toBe(before);
  });

  it('is registered in migrations.json under a release no older than any rename, and no newer than this package', () => {
    const migration = MIGRATIONS.generators['rename-options'];
    expect(migration.implementation).toBe('./src/migrations/entry#renameOptions');
    const num = (v: string) => v.split('.').map(Number);
    const cmp = (a: string, b: string) => num(a).reduce((d, x, i) => d || x - num(b)[i], 0);
    for (const row of RENAMED_OPTIONS) expect(cmp(migration.version, row.since), `${row.from} -> ${row.to}`).toBeGreaterThanOrEqual(0);
    expect(cmp(migration.version, VERSION)).toBeLessThanOrEqual(0);
  });
});
