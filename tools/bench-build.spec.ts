/**
 * The build benchmark runs end to end on two small Wazo-shaped collections and
 * prints what the README quotes: the collection's shape beside the real one, the
 * table of the six cases against the reference builder (same run) with the real
 * collection's figures, the goals, the profile of the six cases, the scaling table
 * and Nx's floor, then the test target on the sample families. Structure only: speed is measured by running it, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const cell = String.raw`[\d.]+`;

describe('npm run bench:build', () => {
  it('prints the shape, the six cases against the reference, their profile, and the scaling and floor tables', () => {
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'tools', 'bench-build.ts'), '--scale', '20,30', '--test-copies', '1'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    // the shape beside the real collection's figures
    expect(out).toMatch(/\| top-level folders under plugins\/ +\| 3 +\| 22 +\|/);
    expect(out).toMatch(/\| targets \(models\) +\| 20 +\| 114 +\|/);
    expect(out).toMatch(/\| Yealink-like models copying common\/ +\| 9 of 9 +\| 9 of 9 +\|/);
    expect(out).toMatch(/\| \.\.\. of which override common\.py +\| 6 of 9 +\| 6 of 9 +\|/);
    expect(out).toMatch(/\| recipes run under python3 .*\| [1-9]\d* +\| - +\|/);
    // the table: reference, then each case with the figure, seconds, ratio and goal
    expect(out).toMatch(new RegExp(String.raw`\| reference builder \(pgbuild\.py --build \+ --package\) +\| 17\.0 +\| ${cell} +\| 1\.00 +\| 1 `));
    for (const [label, goal] of [
      ['cold `nx run-many -t build` \\(cache on, no daemon\\)', '<= 0.35x'],
      ['every task a cache hit', '<= 0.15x'],
      ['one model template changed, `nx affected -t publish`', '<= 0.15x'],
      ["one family's common/ changed \\(9 models\\), `nx affected -t publish`", '<= 0.20x'],
      ['the same one model, daemon on', '<= 2.0 s'],
      ["the same family's common/, daemon on", '<= 3.0 s'],
    ]) {
      expect(out).toMatch(new RegExp(String.raw`\| ${label} +\| [-\d.]+ +\| ${cell} +\| ${cell} +\| ${goal.replace(/[.]/g, '\\.')} +\|`));
    }
    expect(out).toMatch(new RegExp(String.raw`\| every task a cache hit, plugins in-process \(NX_ISOLATE_PLUGINS=false\) +\| - +\| ${cell} +\| ${cell} +\|`));
    for (const goal of [
      'cold build / reference',
      'all hits / reference',
      'one model changed, affected publish / reference',
      "one family's common/ changed, affected publish / reference",
      'one model changed, daemon on',
      "one family's common/ changed, daemon on",
      'peak memory of any process at 20 models',
    ]) {
      expect(out).toMatch(new RegExp(`(met   |MISSED) ${goal.replace(/[/+]/g, '\\$&')}: [\\d.]+`));
    }
    // the profile of the six cases, with counts that do not depend on load
    expect(out).toContain('profile of the six cases at 20 models');
    expect(out).toMatch(/\| phase +\| cold build +\| all hit +\| one model +\| common\/ +\| one model, daemon +\| common\/, daemon +\| cold graph +\| all hit, in-process +\| one model, in-process +\| common\/, in-process +\|/);
    expect(out).toMatch(/\| python3 start-ups \(recording \+ recipes\) +\| \d+ +\|/);
    expect(out).toMatch(/\| batch processes +\| \d+ +\|/);
    expect(out).toContain('profile at 30 models');
    // one row per size in the scaling and floor tables
    for (const size of [20, 30]) {
      expect(out.match(new RegExp(`^\\| ${size} +\\|`, 'gm'))?.length, `rows for ${size} models`).toBe(2);
    }
    expect(out).toMatch(/scaling \(ms per model; seconds in brackets\)/);
    expect(out).toMatch(/Nx's floor: the same projects, one cached nx:noop target per model/);
    // the test target on real plugins: the sample families once, cold and all hits
    expect(out).toMatch(/^test: 11 models \(the sample families copied 1 times\), 14 test tasks/m);
    expect(out).toMatch(/^\| cold `nx run-many -t test` .*\| [\d.]+ +\|/m);
    expect(out).toMatch(/^\| every test task a cache hit +\| [\d.]+ +\|/m);
  }, 900_000);
});
