/**
 * promote takes only tested bytes (real nx CLI, real provd): a model whose testing package no
 * test passed on is refused, named, with its reason, and the rest of the family is promoted;
 * --all-or-nothing promotes nothing; --skip-test lets it through and says so; a rollback from
 * archive/ is gated alike (here: bytes a test passed on earlier go back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provdPythonPathForSpecs } from './provd-pythonpath';
import { createWorkspace, TestWorkspace } from './workspace';

const TIMEOUT = 600_000;
const LEGACY = 'xivo-cisco-spa-legacy';
const OTHERS = ['xivo-cisco-pap2t-5.1.6', 'xivo-cisco-spa-7.5.5', 'xivo-cisco-spa2102-5.2.12'];

describe('promote takes only tested bytes', () => {
  let ws: TestWorkspace;
  const env = { PROVD_PYTHONPATH: provdPythonPathForSpecs(), CI: 'true' };
  const index = (channel: string): Record<string, { version: string; sha1sum: string }> => {
    try {
      return JSON.parse(ws.read(`dist/repository/${channel}/plugins.db`));
    } catch {
      return {};
    }
  };

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa'] });
    ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static'], env);
    // every model tested on the bytes testing holds
    ws.nxOk(['run-many', '-t', 'test', '--outputStyle=static'], env);
    // then a fix to one model is published, but never tested
    const tpl = 'plugins/xivo-cisco-spa/legacy/templates/SPA921.tpl';
    ws.write(tpl, ws.read(tpl).replace('<Back_Light_Timer>10 s</Back_Light_Timer>', '<Back_Light_Timer>20 s</Back_Light_Timer>'));
    ws.commit('legacy: a late fix');
    ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static'], env);
  }, TIMEOUT);
  afterAll(() => ws?.dispose());

  it('--all-or-nothing: one untested model and nothing is promoted', () => {
    const r = ws.nx(['run', 'xivo-cisco-spa:promote', '--all-or-nothing', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/nothing promoted \(--all-or-nothing\)/);
    expect(Object.keys(index('stable'))).toEqual([]);
  }, TIMEOUT);

  it('refuses the model whose testing bytes never passed test, naming it and why, and promotes the others', () => {
    const testing = index('testing');
    expect(testing[LEGACY].version).toBe('0.3.2');
    const r = ws.nx(['run', 'xivo-cisco-spa:promote', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`^${LEGACY}\\s+- -> 0\\.3\\.2\\s+refused$`, 'm'));
    expect(r.output).toMatch(new RegExp(`${LEGACY}: no test passed on ${LEGACY} 0\\.3\\.2 as testing holds it \\(sha1 [0-9a-f]{12}\\), and the provd smoke test fails on it`));
    const stable = index('stable');
    expect(Object.keys(stable).sort()).toEqual(OTHERS);
    for (const id of OTHERS) expect(stable[id].sha1sum).toBe(testing[id].sha1sum);
  }, TIMEOUT);

  it('--skip-test promotes it untested, named in the summary and the run log', () => {
    const r = ws.nxOk(['run', 'xivo-cisco-spa:promote', '--skip-test', '--outputStyle=static'], env);
    expect(r.output).toMatch(new RegExp(`--skip-test: ${LEGACY} were promoted without a test pass`));
    expect(r.output).toMatch(new RegExp(`^${LEGACY}\\s.*promoted \\(stable, untested: --skip-test\\)$`, 'm'));
    expect(index('stable')[LEGACY].sha1sum).toBe(index('testing')[LEGACY].sha1sum);
  }, TIMEOUT);

  it('a rollback from archive/ is gated too: bytes a test passed on go back', () => {
    const r = ws.nxOk(['run', 'xivo-cisco-spa:promote', '--from=archive', `--models=${LEGACY}`, '--version=0.3.1', '--outputStyle=static'], env);
    expect(r.output).toMatch(new RegExp(`^${LEGACY}\\s+0\\.3\\.2 -> 0\\.3\\.1\\s+promoted$`, 'm'));
    expect(index('stable')[LEGACY].version).toBe('0.3.1');
  }, TIMEOUT);
});
