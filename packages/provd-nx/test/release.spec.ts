import { describe, expect, it } from 'vitest';
import { createWorkspace } from './workspace';
import { familyFiles } from './collection';
import { snapshotFiles } from './file-snapshot';

const RELEASE = {
  projects: ['tag:type:model'],
  projectsRelationship: 'independent',
  version: { versionActions: '@provd/nx/src/release/version-actions.ts' },
};

describe('nx release version through plugin-info VersionActions', () => {
  it('bumps plugin-info keeping its formatting, and bumps the models whose recipe copies a bumped model', () => {
    const files = familyFiles({
      name: 'fam',
      models: [
        { folder: '1.0', pluginId: 'fam-1.0', version: '1.0.0' },
        { folder: '2.0', pluginId: 'fam-2.0', version: '2.0.0' },
      ],
    });
    // 1.1 overlays 1.0's folder with its own: it depends on model fam-1.0
    files['plugins/fam/build.py'] +=
      '\n@target("1.1", "fam-1.1")\ndef build_1_1(path):\n' +
      "    check_call(['rsync', '-rlp', '--exclude', '.*', '1.0/', path])\n" +
      "    check_call(['rsync', '-rlp', '--exclude', '.*', '1.1/', path])\n";
    files['plugins/fam/1.1/plugin-info'] = (files['plugins/fam/1.0/plugin-info'] as string).replace('1.0.0', '1.1.0');
    const ws = createWorkspace({ files });
    try {
      const nxJson = JSON.parse(ws.read('nx.json'));
      ws.write('nx.json', JSON.stringify({ ...nxJson, release: RELEASE }, null, 2) + '\n');
      ws.commit('release config');
      const before = ws.read('plugins/fam/1.0/plugin-info');
      const r = ws.nxOk(['release', 'version', 'minor', '--projects=fam-1.0']);
      expect(r.output).toMatch(/Resolved the current version as 1\.0\.0 from manifest: plugins\/fam\/1\.0\/plugin-info/);
      expect(ws.read('plugins/fam/1.0/plugin-info')).toBe(before.replace('"version": "1.0.0"', '"version": "1.1.0"'));
      // the dependent model moved too (the default readDependencies would have dropped this implicit dependency)
      expect(JSON.parse(ws.read('plugins/fam/1.1/plugin-info')).version).toBe('1.1.1');
      expect(JSON.parse(ws.read('plugins/fam/2.0/plugin-info')).version).toBe('2.0.0');
    } finally {
      ws.dispose();
    }
  });

  it('without a specifier, bumps exactly the models whose package differs from testing\'s, with no prompt; a dry run writes nothing', async () => {
    const files = familyFiles({
      name: 'fam',
      models: [
        { folder: '1.0', pluginId: 'fam-1.0', version: '1.0.0' },
        { folder: '2.0', pluginId: 'fam-2.0', version: '2.0.0' },
      ],
    });
    const ws = createWorkspace({ files });
    try {
      const nxJson = JSON.parse(ws.read('nx.json'));
      ws.write('nx.json', JSON.stringify({ ...nxJson, release: RELEASE }, null, 2) + '\n');
      ws.commit('release config');
      ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static']);
      ws.append('plugins/fam/1.0/entry.py', '# fix\n');
      ws.commit('fix 1.0');
      const before = await snapshotFiles(ws.path('dist'), { mtime: true, dirs: true });
      const dry = ws.nxOk(['release', 'version', '--dry-run'], { CI: 'true' });
      expect(await snapshotFiles(ws.path('dist'), { mtime: true, dirs: true })).toEqual(before);
      expect(dry.output).toMatch(/provd: fam-1\.0: 1\.0\.0 is in testing with other contents/);
      expect(dry.output).toMatch(/New version 1\.0\.1 written to plugins\/fam\/1\.0\/plugin-info/);
      expect(dry.output).not.toMatch(/New version \S+ written to plugins\/fam\/2\.0/);
      expect(JSON.parse(ws.read('plugins/fam/1.0/plugin-info')).version).toBe('1.0.0');
      ws.nxOk(['release', 'version'], { CI: 'true' });
      expect(JSON.parse(ws.read('plugins/fam/1.0/plugin-info')).version).toBe('1.0.1');
      expect(JSON.parse(ws.read('plugins/fam/2.0/plugin-info')).version).toBe('2.0.0');
    } finally {
      ws.dispose();
    }
  });
});
