/**
 * The repository load test runs end to end with Debian's nginx and wrk and prints the download
 * table of issue 22 (both servers in the same run) and the upload row. Structure only: speed is
 * measured by running it, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

describe('npm run bench:repo', () => {
  it('measures provd-repo and nginx in the same run and prints the download table with ratios and goals', () => {
    const out = fs.mkdtempSync(join(os.tmpdir(), 'load-repo-spec-'));
    try {
      const md = join(out, 'load-repo.md');
      const r = spawnSync(
        process.execPath,
        ['--conditions=@provd/source', '-r', '@swc-node/register', join(ROOT, 'tools', 'load-repo.ts'), '--seconds', '1', '--connections', '2,4', '--plugins', '3', '--uploads', '4', '--uploaders', '2', '--out', md],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      const text = r.stdout + r.stderr;
      expect(r.status, text).toBe(0);
      expect(text).toMatch(/\| file +\| connections \| provd-repo req\/s \| nginx req\/s \| ratio \| p99 provd \/ nginx \(ms\) \| goal \(>= 0\.5x, p99 <= 3x\) \|/);
      for (const file of [/plugins\.db \([\d.]+ KB\)/, /package \(\d+ KiB\)/]) {
        for (const c of [2, 4]) {
          expect(text).toMatch(new RegExp(`^\\| ${file.source} +\\| ${c} +\\| \\d+ +\\| \\d+ +\\| [\\d.]+ +\\| [\\d.]+ / [\\d.]+ +\\| (met|missed) +\\|$`, 'm'));
        }
      }
      expect(text).toMatch(/^\| uploads, 2 uploaders \| 4 +\| 0 +\| 0 +\|/m);
      expect(text).toMatch(/in ABAB order/);
      expect(text).toMatch(/nginx version: nginx\//);
      expect(fs.readFileSync(md, 'utf8')).toContain('| file ');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
