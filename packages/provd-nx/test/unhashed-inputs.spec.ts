/**
 * Build inputs cover what Nx's own file hashing cannot see: symlinks (a dangling one
 * included, and the text of their targets) and files .gitignore hides, which the
 * package holds all the same. Without that, a change to them is a stale cache hit.
 * A recipe that follows links (rsync -L) packages what they lead to: in the family, that
 * content is hashed too; out of it, the build is refused.
 */
import { existsSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackage } from '../src/package/read';
import { createWorkspace, TestWorkspace } from './workspace';
import { familyFiles } from './collection';

const ID = 'xivo-cisco-spa-7.5.5';
const MODEL = 'plugins/xivo-cisco-spa/7.5.5';

describe('build inputs: symlinks and ignored files', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa'] });
  });
  afterAll(() => ws.dispose());

  const build = () => ws.nxOk(['run', `${ID}:build`, '--outputStyle=static']).output;
  const members = async () => {
    const version = JSON.parse(ws.read(`${MODEL}/plugin-info`)).version;
    const pkg = await readPackage(ws.path(`dist/packages/${ID}-${version}.tar.bz2`));
    return new Map(pkg.members.map((m) => [m.name.slice(ID.length + 1), m]));
  };

  it('a new dangling symlink, a retargeted one and an edited ignored file each rebuild the package', async () => {
    build();
    expect(build()).toMatch(new RegExp(`${ID}:build +\\[local cache\\]`));

    symlinkSync('nowhere', ws.path(`${MODEL}/dangling`));
    ws.commit('a dangling symlink');
    expect(build()).not.toMatch(/:build +\[local cache\]/);
    expect((await members()).get('dangling')?.linkTarget).toBe('nowhere');

    unlinkSync(ws.path(`${MODEL}/dangling`));
    symlinkSync('elsewhere', ws.path(`${MODEL}/dangling`));
    ws.commit('retargeted');
    expect(build()).not.toMatch(/:build +\[local cache\]/);
    expect((await members()).get('dangling')?.linkTarget).toBe('elsewhere');

    ws.write(`${MODEL}/.gitignore`, '*.local\n');
    writeFileSync(ws.path(`${MODEL}/site.local`), 'one');
    ws.commit('an ignored file');
    build();
    expect(build()).toMatch(/:build +\[local cache\]/);
    writeFileSync(ws.path(`${MODEL}/site.local`), 'two');
    expect(build()).not.toMatch(/:build +\[local cache\]/);
    const pkg = await members();
    expect(pkg.get('site.local')?.size).toBe(3);
  });
});

describe('links a recipe follows (rsync -L)', () => {
  const files = familyFiles({ name: 'deref', models: [{ folder: '1.0', pluginId: 'deref-1.0' }] });
  // copies follow links: python3 runs the recipe (the native replay takes no -L)
  files['plugins/deref/build.py'] = (files['plugins/deref/build.py'] as string).split("'-rlp'").join("'-rLp'");
  files['plugins/deref/blobs/fw.bin'] = 'firmware one\n';

  it('packages what an in-family link leads to, and a change there rebuilds the model', async () => {
    const ws = createWorkspace({ files, commit: false });
    try {
      symlinkSync('../blobs/fw.bin', ws.path('plugins/deref/1.0/fw.bin'));
      ws.commit('a firmware shared by a link');
      const run = () => ws.nxOk(['run', 'deref-1.0:build', '--outputStyle=static']).output;
      run();
      expect(run()).toMatch(/deref-1\.0:build +\[local cache\]/);
      const content = async () => (await readPackage(ws.path('dist/packages/deref-1.0-0.1.0.tar.bz2'))).read('deref-1.0/fw.bin')?.toString();
      expect(await content()).toBe('firmware one\n');
      ws.write('plugins/deref/blobs/fw.bin', 'firmware two\n');
      ws.commit('a new firmware');
      expect(run()).not.toMatch(/deref-1\.0:build +\[local cache\]/);
      expect(await content()).toBe('firmware two\n');
    } finally {
      ws.dispose();
    }
  });

  it('refuses a link that leads out of the family, naming it, and writes nothing', () => {
    const ws = createWorkspace({ files: { ...files, 'outside/secret.txt': 'secret\n' }, commit: false });
    try {
      symlinkSync('../../../../outside/secret.txt', ws.path('plugins/deref/common/templates/leak.txt'));
      ws.commit('a link out of the family');
      const r = ws.nx(['run', 'deref-1.0:build', '--outputStyle=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/plugins\/deref\/build\.py: 'common\/templates\/leak\.txt' is a symlink to \S+\/outside\/secret\.txt, outside the family folder/);
      expect(existsSync(ws.path('dist/packages')) ? readdirSync(ws.path('dist/packages')) : []).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
