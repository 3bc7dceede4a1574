/**
 * Bad input to the test target, through the real nx CLI: each gets one clear error naming the
 * model and the file, fails only its own model, and leaves no snapshot behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedTasks } from './tasks';
import { provdPythonPathForSpecs } from './provd-pythonpath';
import { createWorkspace, TestWorkspace } from './workspace';

const TIMEOUT = 600_000;

describe('test: bad input', () => {
  let ws: TestWorkspace;
  const env = { PROVD_PYTHONPATH: provdPythonPathForSpecs(), CI: 'true' };
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa'] });
  });
  afterAll(() => ws?.dispose());

  it('provd cannot be imported: one line saying how to get it, no traceback', () => {
    const r = ws.nx(['run', 'xivo-cisco-spa-legacy:test', '--outputStyle=static'], { ...env, PROVD_PYTHONPATH: ws.path('no-provd-here') });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/error: xivo-cisco-spa-legacy: provd's Python code is not in \S*no-provd-here: .*set PROVD_PYTHONPATH/);
    expect(r.output).not.toMatch(/Traceback/);
  }, TIMEOUT);

  it('a pytest collection error names the file, and fails that model only', () => {
    ws.write('plugins/xivo-cisco-spa/pap2t-5.1.6/tests/test_broken.py', 'def test_broken(:\n    pass\n');
    ws.commit('a broken test file');
    const r = ws.nx(['run-many', '-t', 'test', '--outputStyle=static'], env);
    expect(failedTasks(r.output)).toEqual(['xivo-cisco-pap2t-5.1.6:test']);
    expect(r.output).toMatch(/error: xivo-cisco-pap2t-5\.1\.6: pytest failed in plugins\/xivo-cisco-spa\/pap2t-5\.1\.6\/tests: 1 error/);
    expect(r.output).toMatch(/plugins\/xivo-cisco-spa\/pap2t-5\.1\.6\/tests\/test_broken\.py: .*SyntaxError|test_broken\.py.*invalid syntax/);
    ws.git('rm', '-q', 'plugins/xivo-cisco-spa/pap2t-5.1.6/tests/test_broken.py');
    ws.commit('remove it');
  }, TIMEOUT);

  it('a conftest.py that cannot be imported is named with its error', () => {
    ws.write('plugins/xivo-cisco-spa/legacy/tests/conftest.py', 'import nowhere_to_be_found\n');
    ws.write('plugins/xivo-cisco-spa/legacy/tests/test_x.py', 'def test_x():\n    pass\n');
    ws.commit('a broken conftest');
    const r = ws.nx(['run', 'xivo-cisco-spa-legacy:test', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/^\s+plugins\/xivo-cisco-spa\/legacy\/tests\/conftest\.py: ModuleNotFoundError: No module named 'nowhere_to_be_found'$/m);
    ws.git('rm', '-rq', 'plugins/xivo-cisco-spa/legacy/tests');
    ws.commit('remove it');
  }, TIMEOUT);

  it('a hanging test is killed past --timeout, naming the test still running', () => {
    ws.write('plugins/xivo-cisco-spa/spa2102-5.2.12/tests/test_hang.py', 'import time\n\n\ndef test_quick():\n    pass\n\n\ndef test_hang():\n    time.sleep(600)\n');
    ws.commit('a hanging test');
    const r = ws.nx(['run', 'xivo-cisco-spa2102-5.2.12:test', '--timeout=5', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/pytest timed out after 5 s \(timeout option\) in plugins\/xivo-cisco-spa\/spa2102-5\.2\.12\/tests: still running plugins\/xivo-cisco-spa\/spa2102-5\.2\.12\/tests\/test_hang\.py::test_hang/);
    ws.git('rm', '-q', 'plugins/xivo-cisco-spa/spa2102-5.2.12/tests/test_hang.py');
    ws.commit('remove it');
  }, TIMEOUT);

  it('a template that does not render fails its model in provd, naming the model and the file', () => {
    ws.write('plugins/xivo-cisco-spa/legacy/templates/SPA921.tpl', '{% extends "base.tpl" %}\n{% block broken %}{% if %}{% endblock %}\n');
    ws.commit('a broken template');
    const r = ws.nx(['run-many', '-t', 'test', '--outputStyle=static'], env);
    expect(failedTasks(r.output)).toEqual(['xivo-cisco-spa-legacy:test']);
    expect(r.output).toMatch(/error: xivo-cisco-spa-legacy: provd smoke test of xivo-cisco-spa-legacy 0\.3\.1 failed/);
    expect(r.output).toMatch(/SPA921/);
    expect(ws.git('status', '--porcelain')).toBe('');
  }, TIMEOUT);

  it('a pkgs.db that xivo-fetchfw would refuse fails its model, naming the file, section and key (offline firmware checks)', () => {
    const db = 'plugins/xivo-cisco-spa/pap2t-5.1.6/pkgs/pkgs.db';
    const good = ws.read(db);
    ws.write(db, good.replace('sha1sum = e907d78b38fb034527ef8812d855b4af3c616e81', 'sha1sum = not-a-sha1'));
    ws.commit('a broken pkgs.db');
    // beside a model of the same family that reads the same family's pkgs.db files (legacy still has the template above)
    const r = ws.nx(['run-many', '-t', 'test', '-p', 'xivo-cisco-pap2t-5.1.6', 'xivo-cisco-spa-7.5.5', '--outputStyle=static'], env);
    expect(failedTasks(r.output)).toEqual(['xivo-cisco-pap2t-5.1.6:test']);
    expect(r.output).toMatch(/error: xivo-cisco-pap2t-5\.1\.6: plugins\/xivo-cisco-spa\/pap2t-5\.1\.6\/pkgs\/pkgs\.db \[file_pap2t-5-1-6\.bin\] sha1sum: /);
    ws.write(db, good);
    ws.commit('fixed');
    const fixed = ws.nx(['run', 'xivo-cisco-pap2t-5.1.6:test', '--outputStyle=static'], env);
    expect(fixed.code, fixed.output).toBe(0);
    expect(fixed.output).toMatch(/xivo-cisco-pap2t-5\.1\.6: plugins\/xivo-cisco-spa\/pap2t-5\.1\.6\/pkgs\/pkgs\.db reads clean/);
  }, TIMEOUT);
});
