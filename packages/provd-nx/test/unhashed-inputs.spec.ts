/**
 * Build inputs cover what Nx's own file hashing cannot see: symlinks (a dangling one
 * included, and the text of their targets) and files .gitignore hides, which the
 * package holds all the same. Without that, a change to them is a stale cache hit.
 */
import { symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackage } from '../src/package/read';
import { createWorkspace, TestWorkspace } from './workspace';

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
