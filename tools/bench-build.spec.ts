/**
 * The build benchmark runs end to end on two small collections and prints what the
 * README quotes: the table against the reference builder (same run), the goals, the
 * profile at every size, the scaling table and Nx's floor. Structure only: speed is
 * measured by running it, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

describe('npm run bench:build', () => {
  it('compares with the reference builder in the same run, profiles every size, and prints the scaling and floor tables', () => {
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'tools', 'bench-build.ts'), '--scale', '20,30', '--test-copies', '1'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    // the table against the reference, with ratios, at the first size
    expect(out).toMatch(/\| reference builder \(pgbuild\.py --build \+ --package\) +\| [\d.]+ +\| 1 /);
    expect(out).toMatch(/\| ours, cold `nx run-many -t build` \(cache on, no daemon\) +\| [\d.]+ +\| [\d.]+ /);
    expect(out).toMatch(/\| ours, `nx affected -t publish` after one model changed +\| [\d.]+ +\| [\d.]+ of full upload/);
    for (const goal of ['cold build / reference', 'all hits / reference', 'common/ changed / all hits', 'affected publish / reference full rebuild + upload', 'peak memory of any process']) {
      expect(out).toMatch(new RegExp(`(met   |MISSED) ${goal.replace(/[/+]/g, '\\$&')}: [\\d.]+`));
    }
    // the profile at every size, and one row per size in both tables
    for (const size of [20, 30]) {
      expect(out).toContain(`profile of the cold run at ${size} models`);
      expect(out.match(new RegExp(`^\\| ${size} +\\|`, 'gm'))?.length, `rows for ${size} models`).toBe(2);
    }
    expect(out).toMatch(/scaling \(ms per model; seconds in brackets\)/);
    expect(out).toMatch(/Nx's floor: the same projects, one cached nx:noop target per model/);
    // the floor infers the same projects: 2 and 3 families of 10 models, with their shared folders
    expect(out).toMatch(/^\| 20 +\| 26 +\|/m);
    expect(out).toMatch(/^\| 30 +\| 39 +\|/m);
    // the test target on real plugins: the sample families once, cold and all hits
    expect(out).toMatch(/^test: 11 models \(the sample families copied 1 times\), 14 test tasks/m);
    expect(out).toMatch(/^\| cold `nx run-many -t test` .*\| [\d.]+ +\|/m);
    expect(out).toMatch(/^\| every test task a cache hit +\| [\d.]+ +\|/m);
  }, 300_000);
});
