/**
 * The run hooks' summary tables, printed from Nx's plugin worker (src/plugins/hook-output.ts),
 * when Nx's stdout is a file that its caller keeps writing, as `npm run demo > log` does: the
 * table lands whole, in order, and what the caller writes after Nx does not overwrite it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, TestWorkspace } from './workspace';

describe('summary tables with stdout a file', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa'] });
  });
  afterAll(() => ws?.dispose());

  it('the table is whole, and the lines written after nx follow it', () => {
    const nx = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
    // one open file for both, as a shell redirection of a whole script gives
    const script = `{ echo BEFORE-NX; "${process.execPath}" "${nx}" run-many -t publish --outputStyle=static; echo AFTER-NX; } > out.txt 2>&1`;
    const r = ws.run('sh', ['-c', script]);
    expect(r.code, r.output).toBe(0);
    const out = readFileSync(ws.path('out.txt'), 'utf8');
    const lines = out.split('\n');
    expect(lines[0]).toBe('BEFORE-NX');
    expect(lines.filter(Boolean).at(-1)).toBe('AFTER-NX');
    const table = out.indexOf(' provd summary');
    expect(table, out).toBeGreaterThan(0);
    expect(out.indexOf('AFTER-NX')).toBeGreaterThan(table);
    // every model's row, whole
    for (const id of ['xivo-cisco-pap2t-5.1.6', 'xivo-cisco-spa-7.5.5', 'xivo-cisco-spa-legacy', 'xivo-cisco-spa2102-5.2.12']) {
      expect(out, id).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')} +\\S+ +unreleased +published \\(testing\\)$`, 'm'));
    }
  }, 300_000);
});
