/**
 * Loading the plugin (what Nx does in every process that computes the project graph)
 * loads what createNodes and createDependencies need, not the executors' code: no
 * repository backend (rsync, HTTP, locks), no package reader, no git, no fast-glob.
 * The hooks that run after tasks load theirs when they run. `npm run bench:plugin-load`
 * measures the cost against Nx's floor.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root';

function loadedBy(entry: string): string[] {
  const probe = `
    const before = new Set(Object.keys(require.cache));
    require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => !before.has(k))));`;
  const r = spawnSync(process.execPath, ['--conditions=@provd/source', '-e', probe], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as string[]).map((f) => f.replace(/\\/g, '/'));
}

describe('loading @provd/nx', () => {
  it('loads the graph code only: no executor, repository backend, package reader, git or fast-glob', () => {
    const loaded = loadedBy('@provd/nx');
    const ours = loaded.filter((f) => f.includes('/provd-nx/src/')).map((f) => f.replace(/.*\/provd-nx\/src\//, ''));
    expect(ours).toContain('plugins/create-nodes.ts');
    const unexpected = ours.filter(
      (f) =>
        /^executors\/(?!shared\/(run-log|dry-run)\.ts$)/.test(f) ||
        (f.startsWith('repository/') && f !== 'repository/location.ts') ||
        /^(package|channel|release|version)\//.test(f) ||
        f === 'build/plugin-folder.ts' ||
        f === 'plugins/restore-plugin-folders.ts'
    );
    expect(unexpected).toEqual([]);
    expect(loaded.filter((f) => /node_modules\/fast-glob\//.test(f))).toEqual([]);
  });

  it('loads what the end-of-run hook needs when it runs', async () => {
    const probe = `
      const plugin = require('@provd/nx');
      const before = new Set(Object.keys(require.cache));
      plugin.postTasksExecution({}, { id: 'probe', workspaceRoot: process.cwd(), taskResults: {}, argv: [] })
        .then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => !before.has(k)))));`;
    const r = spawnSync(process.execPath, ['--conditions=@provd/source', '-e', probe], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const later = (JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as string[]).map((f) => f.replace(/.*\/provd-nx\/src\//, ''));
    expect(later).toEqual(expect.arrayContaining(['plugins/restore-plugin-folders.ts', 'executors/shared/bump-commit.ts']));
  });
});
