/**
 * The test target through the real nx CLI with the real provd (PROVD_PYTHONPATH ->
 * ../shared/provd/pythonpath): the sample families pass with their committed snapshots
 * (CI=true, as .ci/run), a second run is all cache hits, the folder provd comes from is not
 * hashed but its code is; a changed template fails exactly the models copying it, with the
 * diff, until --update; a failing pytest test fails its model only.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedTasks } from './tasks';
import { provdPythonPathForSpecs } from './provd-pythonpath';
import { createWorkspace, TestWorkspace } from './workspace';

const TIMEOUT = 600_000;

/** How Nx ran each test task of the last run, from the summary the end-of-run hook wrote. */
function statuses(ws: TestWorkspace): Array<{ project: string; status: string }> {
  return JSON.parse(ws.read('dist/.provd/test-summary.json'));
}

/** Projects whose test Nx took from its cache in the last run. */
function cachedTests(ws: TestWorkspace): string[] {
  return statuses(ws).filter((r) => /cache/.test(r.status)).map((r) => r.project).sort();
}

/** Projects whose test ran (not from the cache) in the last run. */
function ranTests(ws: TestWorkspace): string[] {
  return statuses(ws).filter((r) => !/cache/.test(r.status)).map((r) => r.project).sort();
}

function testProjects(ws: TestWorkspace): string[] {
  const nodes = ws.graph().nodes as Record<string, any>;
  return Object.keys(nodes).filter((n) => ['model', 'shared'].includes(nodes[n].data.metadata?.provd?.kind)).sort();
}

describe('test: the sample families in the real provd', () => {
  let ws: TestWorkspace;
  const provd = provdPythonPathForSpecs();
  const env = { PROVD_PYTHONPATH: provd, CI: 'true' };
  let first: ReturnType<TestWorkspace['nx']>;

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    first = ws.nx(['run-many', '-t', 'test', '--outputStyle=static'], env);
  }, TIMEOUT);
  afterAll(() => ws?.dispose());

  it('passes on every sample family with the committed snapshots (CI=true), and prints one table', () => {
    expect(first.code, first.output).toBe(0);
    const projects = testProjects(ws);
    expect(projects).toContain('xivo-snom/common_c');
    expect(projects.filter((p) => !p.includes('/'))).toHaveLength(11);
    // every model rendered its devices in provd and matched its snapshots; the sample's pytest tests ran
    expect(first.output).toMatch(/xivo-cisco-spa-7\.5\.5: pytest 13 passed \(plugins\/xivo-cisco-spa\/7\.5\.5\/tests\)/);
    for (const id of projects.filter((p) => !p.includes('/'))) {
      expect(first.output).toMatch(new RegExp(`^${id.replace(/\./g, '\\.')}: provd installed .* [1-9]\\d* device\\(s\\), [1-9]\\d* file\\(s\\): snapshots match$`, 'm'));
    }
    expect(first.output).toMatch(/provd test summary \(14 passed, 0 failed\)/);
    // its 2 declared phones and the 6-line SPA942 of the family's provd-test.json
    expect(first.output).toMatch(/^xivo-cisco-spa-7\.5\.5\s+passed\s+13\/0\s+3 \(\d+\)\s+unchanged$/m);
    expect(JSON.parse(ws.read('dist/.provd/test-summary.json'))).toHaveLength(14);
    // nothing written under CI=true
    expect(ws.git('status', '--porcelain', 'plugins')).toBe('');
  });

  it('a second run is all cache hits, also with provd through another path to the same code', () => {
    ws.nxOk(['run-many', '-t', 'test', '--outputStyle=static'], env);
    expect(ranTests(ws)).toEqual([]);
    expect(cachedTests(ws)).toEqual(testProjects(ws));
    const link = join(mkdtempSync(join(tmpdir(), 'provd-link-')), 'pythonpath');
    try {
      symlinkSync(provd, link);
      ws.nxOk(['run-many', '-t', 'test', '--outputStyle=static'], { ...env, PROVD_PYTHONPATH: link });
      expect(ranTests(ws)).toEqual([]);
      expect(cachedTests(ws)).toEqual(testProjects(ws));
    } finally {
      rmSync(join(link, '..'), { recursive: true, force: true });
    }
  }, TIMEOUT);

  it('other provd code runs every test again', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'provd-copy-')), 'pythonpath');
    try {
      cpSync(provd, copy, { recursive: true });
      writeFileSync(join(copy, 'wazo_provd', '__init__.py'), '\n# a patched provd\n', { flag: 'a' });
      ws.nxOk(['run-many', '-t', 'test', '--outputStyle=static', '--projects=tag:family:xivo-cisco-spa'], { ...env, PROVD_PYTHONPATH: copy });
      expect(cachedTests(ws)).toEqual([]);
      expect(ranTests(ws)).toEqual(['xivo-cisco-pap2t-5.1.6', 'xivo-cisco-spa-7.5.5', 'xivo-cisco-spa-legacy', 'xivo-cisco-spa/common', 'xivo-cisco-spa2102-5.2.12']);
    } finally {
      rmSync(join(copy, '..'), { recursive: true, force: true });
    }
  }, TIMEOUT);

  it('a changed template fails exactly the models that copy it, each with the diff; --update, then a rerun passes', () => {
    const nodes = ws.graph().nodes as Record<string, any>;
    const copying = Object.keys(nodes).filter((n) => nodes[n].data.metadata?.provd?.kind === 'model' && nodes[n].data.metadata.provd.sharedFolders.includes('common_c')).sort();
    expect(copying.length).toBeGreaterThan(0);
    const file = 'plugins/xivo-snom/common_c/templates/base.tpl';
    const before = ws.read(file);
    const line = before.split('\n').find((l) => /\{\{/.test(l))!;
    ws.write(file, before.replace(line, `${line} <!-- changed -->`));
    ws.commit('change a template of common_c');
    const failed = ws.nx(['affected', '-t', 'test', '--base=HEAD~1', '--head=HEAD', '--outputStyle=static'], env);
    expect(failed.code).not.toBe(0);
    expect(failedTasks(failed.output)).toEqual(copying.map((id) => `${id}:test`));
    // each failing model shows the changed line as a unified diff
    for (const id of copying) expect(failed.output).toMatch(new RegExp(`${id.replace(/\./g, '\\.')}`));
    expect(failed.output).toMatch(/^\+.*<!-- changed -->/m);
    expect(failed.output).toMatch(/^-(?!.*<!-- changed -->).+/m);
    // --update is an explicit request: it writes, CI or not
    const updated = ws.nxOk(['affected', '-t', 'test', '--base=HEAD~1', '--head=HEAD', '--update', '--outputStyle=static'], env);
    expect(updated.output).toMatch(/updated/);
    ws.commit('update the snapshots');
    const rerun = ws.nxOk(['affected', '-t', 'test', '--base=HEAD~2', '--head=HEAD', '--outputStyle=static'], env);
    expect(failedTasks(rerun.output)).toEqual([]);
    // updating snapshots rebuilt nothing: builds hash no snapshot
    expect(rerun.output).not.toMatch(/Running \d+ tasks? with @provd\/nx:build/);
    expect(rerun.output).not.toMatch(/^> nx run \S+:build\s*$/m);
  }, TIMEOUT);

  it('a failing pytest test in one model fails that model\'s test and no other', () => {
    ws.write('plugins/xivo-cisco-spa/legacy/tests/test_legacy.py', [
      'from plugins.xivo_cisco_spa.common.common import _norm_model',
      '',
      'def test_norm_model():',
      "    assert _norm_model('spa-921') == 'SPA-921'",
      '',
    ].join('\n'));
    ws.commit('a failing test');
    const r = ws.nx(['run-many', '-t', 'test', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(failedTasks(r.output)).toEqual(['xivo-cisco-spa-legacy:test']);
    expect(r.output).toMatch(/error: xivo-cisco-spa-legacy: pytest failed in plugins\/xivo-cisco-spa\/legacy\/tests: 1 failed/);
    expect(r.output).toMatch(/test_legacy\.py::test_norm_model: failed/);
    expect(r.output).toMatch(/^xivo-cisco-spa-legacy\s+FAILED\s+0\/1/m);
  }, TIMEOUT);
});
