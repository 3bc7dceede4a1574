/**
 * This workspace's own TypeScript build is cached: a second `nx run @provd/nx:build`
 * with nothing changed is a cache hit, and so is one after a spec, a snapshot or a
 * file under test/ changed; a source change rebuilds. Run in a copy of this
 * repository's nx.json, package.json and packages/ (real nx, real tsc), so a
 * collection's `nx run-many -t build` never compiles @provd/nx unless its sources
 * changed (it did on every run before: `cache` was unset for @nx/js:tsc).
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TestWorkspace } from './workspace';
import { execFileSync } from 'node:child_process';

const HIT = /Nx read the output from the cache instead of running the command for 1 out of 1 tasks/;

describe("the workspace's own build", () => {
  const root = mkdtempSync(join(tmpdir(), 'provd-own-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is a cache hit when only specs, snapshots or test/ changed, and rebuilds on a source change', () => {
    for (const file of ['nx.json', 'package.json', 'tsconfig.base.json']) cpSync(join(REPO_ROOT, file), join(root, file));
    const skip = (src: string) => !/[/\\](node_modules|\.nx)$/.test(src);
    cpSync(join(REPO_ROOT, 'packages'), join(root, 'packages'), { recursive: true, filter: skip });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
    const ws = new TestWorkspace(root);
    ws.write('.gitignore', 'node_modules\ndist\n.nx\n');
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
    ws.commit('a copy of the workspace');

    const build = () => ws.nxOk(['run', '@provd/nx:build', '--outputStyle=static']).output;
    const first = build();
    expect(first).not.toMatch(HIT);
    expect(ws.read('dist/npm/provd-nx/src/index.js')).toContain('createNodes');

    // nothing changed: a hit
    expect(build()).toMatch(HIT);

    // specs, snapshots and test/ are not what gets published: still a hit
    ws.append('packages/provd-nx/src/format/provd-version.spec.ts', '\n// a spec changed\n');
    ws.write('packages/provd-nx/src/plugins/__snapshots__/extra.snap', '// a snapshot\n');
    ws.append('packages/provd-nx/test/workspace.ts', '\n// a test helper changed\n');
    expect(build()).toMatch(HIT);

    // a source file changed: compiled again
    ws.append('packages/provd-nx/src/format/provd-version.ts', '\n// a source changed\n');
    expect(build()).not.toMatch(HIT);
  }, 600_000);
});
