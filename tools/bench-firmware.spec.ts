/**
 * The firmware benchmark runs end to end on a small collection and prints what the README
 * quotes: the table (links cold, links cached, curl and --download on the same files, the
 * unchanged re-download) and the four goals. Structure only: speed is never asserted.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

describe('npm run bench:firmware', () => {
  it('measures links cold and cached, --download against curl in the same run, and peak memory', () => {
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'tools', 'bench-firmware.ts'), '--small'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/check-firmware benchmark: 12 pkgs\.db, 52 packages, 50 file entries, 40 distinct URLs on 5 loopback hosts, 4 supplied by hand/);
    expect(out).toMatch(/\| links mode, cold \(fresh result cache\) +\| [\d.]+ +\| [\d.]+ +\| 40 URLs checked, 52 rows/);
    expect(out).toMatch(/\| links mode, with the result cache +\| [\d.]+ +\| [\d.]+ +\| 40 from the cache, 0 checked/);
    expect(out).toMatch(/\| curl, same 5 files \(\d+ MiB\).* \| [\d.]+ +\| [\d.]+ +\| \d+ MiB\/s/);
    expect(out).toMatch(/\| --download, same files .* \| [\d.]+ +\| [\d.]+ +\| \d+ MiB\/s = \d+% of curl/);
    for (const goal of ['links mode cold <= 5 s', 'links mode with the result cache <= 1 s', '--download >= 80% of curl', 'peak memory of any process <= 100 MiB']) {
      expect(out).toMatch(new RegExp(`(met   |MISSED) ${goal.replace(/[+]/g, '\\$&')}: [\\d.]+`));
    }
  }, 300_000);
});
