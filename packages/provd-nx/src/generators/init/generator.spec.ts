import { readNxJson, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { initGenerator } from './generator';
import { installHint, missingTools } from './required-tools';

function snapshot(tree: Tree): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const p = dir ? `${dir}/${child}` : child;
      if (tree.isFile(p)) files[p] = tree.read(p, 'utf-8')!;
      else walk(p);
    }
  };
  walk('');
  return files;
}

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('.gitignore', 'node_modules\n');
  });

  it('registers the plugin and the release group, ignores build output; a second run changes nothing', async () => {
    await initGenerator(tree, { skipToolCheck: true });
    const nxJson = readNxJson(tree)!;
    expect(nxJson.plugins).toContainEqual({
      plugin: '@provd/nx',
      options: { pluginsDir: 'plugins', distDir: 'dist', repository: 'dist/repository' },
    });
    expect(nxJson.release).toEqual({
      projects: ['tag:type:model'],
      projectsRelationship: 'independent',
      version: { versionActions: '@provd/nx/src/release/version-actions', currentVersionResolver: 'disk', adjustSemverBumpsForZeroMajorVersion: false },
    });
    expect(tree.read('.gitignore', 'utf-8')!.split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist/', '.nx/cache', '.nx/workspace-data']));

    const before = snapshot(tree);
    const changes = tree.listChanges().length;
    await initGenerator(tree, { skipToolCheck: true });
    expect(snapshot(tree)).toEqual(before);
    expect(tree.listChanges().length).toBe(changes);
  });

  it('ignores node_modules/ in a collection whose .gitignore does not (nx add after npm i leaves a clean tree); a second run changes nothing', async () => {
    tree.write('.gitignore', '_build/\n*.pyc');
    await initGenerator(tree, { skipToolCheck: true });
    const ignored = tree.read('.gitignore', 'utf-8')!;
    expect(ignored).toBe('_build/\n*.pyc\n\n# @provd/nx: installed packages, build output and Nx caches\nnode_modules/\ndist/\n.nx/cache\n.nx/workspace-data\n');
    await initGenerator(tree, { skipToolCheck: true });
    expect(tree.read('.gitignore', 'utf-8')).toBe(ignored);

    tree.delete('.gitignore');
    await initGenerator(tree, { skipToolCheck: true });
    expect(tree.read('.gitignore', 'utf-8')).toBe('# @provd/nx: installed packages, build output and Nx caches\nnode_modules/\ndist/\n.nx/cache\n.nx/workspace-data\n');

    for (const entry of ['node_modules', '/node_modules/', 'node_modules/']) {
      tree.write('.gitignore', `${entry}\ndist\n.nx\n`);
      await initGenerator(tree, { skipToolCheck: true });
      expect(tree.read('.gitignore', 'utf-8'), entry).toBe(`${entry}\ndist\n.nx\n`);
    }
  });

  it('creates nx.json in a folder that only ran npm init', async () => {
    tree.delete('nx.json');
    await initGenerator(tree, { skipToolCheck: true, pluginsDir: 'src/plugins' });
    const nxJson = JSON.parse(tree.read('nx.json', 'utf-8')!);
    expect(nxJson.$schema).toBe('./node_modules/nx/schemas/nx-schema.json');
    expect(nxJson.plugins).toEqual([{ plugin: '@provd/nx', options: { pluginsDir: 'src/plugins', distDir: 'dist', repository: 'dist/repository' } }]);
    expect(nxJson.release.projects).toEqual(['tag:type:model']);
  });

  it('keeps an existing registration, release configuration and ignore entries', async () => {
    tree.write('nx.json', JSON.stringify({ plugins: [{ plugin: '@provd/nx', options: { pluginsDir: 'src/plugins' } }], release: { projects: ['a'] } }));
    tree.write('.gitignore', '/dist\n.nx\nnode_modules\n');
    await initGenerator(tree, { skipToolCheck: true });
    const nxJson = readNxJson(tree)!;
    expect(nxJson.plugins).toEqual([{ plugin: '@provd/nx', options: { pluginsDir: 'src/plugins' } }]);
    expect(nxJson.release).toEqual({ projects: ['a'] });
    expect(tree.read('.gitignore', 'utf-8')).toBe('/dist\n.nx\nnode_modules\n');
  });

  it('names the missing tools and how to install them', () => {
    expect(missingTools('')).toHaveLength(3);
    expect(missingTools(process.env.PATH)).toEqual([]);
    const hint = installHint(missingTools('/nonexistent'));
    expect(hint).toContain('python3, rsync, bzip2');
    expect(hint).toContain('apt-get install python3 rsync bzip2');
  });
});
