/**
 * One broken family never blocks the others (issue 7 item 4): a bad plugin-info, a missing
 * one, a recipe that raises, a plugin id declared twice. Each is warned about naming the
 * file, its projects still appear, and only its own targets fail, with the same message.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyFiles } from './collection';
import { failedTasks } from './tasks';
import { createWorkspace, TestWorkspace } from './workspace';

const two = (name: string) =>
  familyFiles({ name, models: [{ folder: '1.0', pluginId: `${name}-1.0` }, { folder: '2.0', pluginId: `${name}-2.0` }] });

const JSON_MSG = /plugins\/fam-json\/2\.0\/plugin-info: not valid JSON/;
const MISSING_MSG = 'plugins/fam-missing/2.0/plugin-info: missing: every model folder needs a plugin-info';
const RAISE_MSG = /plugins\/fam-raise\/build\.py: target '1\.0' \(fam-raise-1\.0\) fails: RuntimeError: firmware URL unknown/;

describe('a broken family or model never blocks the others', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    const missing = two('fam-missing');
    delete missing['plugins/fam-missing/2.0/plugin-info'];
    ws = createWorkspace({
      files: {
        ...two('fam-ok'),
        ...two('fam-json'),
        'plugins/fam-json/2.0/plugin-info': '{"version": "1.0.0", "description": "x",\n',
        ...missing,
        ...two('fam-raise'),
        'plugins/fam-raise/build.py': '@target("1.0", "fam-raise-1.0")\ndef f(path):\n    raise RuntimeError("firmware URL unknown")\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('lists every project, and warns about each broken part naming its file', () => {
    const r = ws.nxOk(['show', 'projects', '--json']);
    expect((JSON.parse(r.stdout) as string[]).sort()).toEqual(
      [
        'fam-ok', 'fam-ok/common', 'fam-ok-1.0', 'fam-ok-2.0',
        'fam-json', 'fam-json/common', 'fam-json-1.0', 'fam-json-2.0',
        'fam-missing', 'fam-missing/common', 'fam-missing-1.0', 'fam-missing-2.0',
        'fam-raise',
        'provd-repository',
      ].sort()
    );
    expect(r.stderr).toMatch(JSON_MSG);
    expect(r.stderr).toContain(MISSING_MSG);
    expect(r.stderr).toMatch(RAISE_MSG);
    expect(r.stderr).not.toMatch(/fam-ok/);
  });

  it('run-many -t build builds every other model and fails only the broken targets, with the message', () => {
    const r = ws.nx(['run-many', '-t', 'build', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(failedTasks(r.output)).toEqual(['fam-json-2.0:build', 'fam-missing-2.0:build', 'fam-raise:build']);
    for (const id of ['fam-ok-1.0', 'fam-ok-2.0', 'fam-json-1.0', 'fam-missing-1.0']) {
      expect(existsSync(ws.path('dist', 'packages', `${id}-0.1.0.tar.bz2`)), id).toBe(true);
    }
    expect(existsSync(ws.path('dist', 'packages', 'fam-json-2.0-1.0.0.tar.bz2'))).toBe(false);
    expect(r.output).toMatch(new RegExp(`error: ${JSON_MSG.source}`));
    expect(r.output).toContain(`error: ${MISSING_MSG}`);
    expect(r.output).toMatch(new RegExp(`error: ${RAISE_MSG.source}`));
    // the broken model's other targets fail the same way
    const v = ws.nx(['run', 'fam-json-2.0:version']);
    expect(v.code).not.toBe(0);
    expect(v.output).toMatch(new RegExp(`error: ${JSON_MSG.source}`));
    // promote and status too, on a broken model and on a family that was not inferred
    for (const [task, msg] of [['fam-json-2.0:promote', JSON_MSG], ['fam-raise:promote', RAISE_MSG], ['fam-raise:status', RAISE_MSG]] as const) {
      const t = ws.nx(['run', task]);
      expect(t.code, task).not.toBe(0);
      expect(t.output, task).toMatch(new RegExp(`error: ${msg.source}`));
    }
  });

  it('a fixed file re-infers (broken results are cached by content)', () => {
    ws.write('plugins/fam-json/2.0/plugin-info', ws.read('plugins/fam-json/1.0/plugin-info'));
    try {
      const r = ws.nxOk(['run', 'fam-json-2.0:build', '--outputStyle=static']);
      expect(r.stderr).not.toMatch(JSON_MSG);
      expect(existsSync(ws.path('dist', 'packages', 'fam-json-2.0-0.1.0.tar.bz2'))).toBe(true);
    } finally {
      ws.git('checkout', '--', '.');
    }
    expect(ws.nx(['show', 'projects']).stderr).toMatch(JSON_MSG);
  });
});

describe('a plugin id declared twice', () => {
  it('warns, keeps both models under their folder names, and fails both', () => {
    const ws = createWorkspace({
      files: {
        ...familyFiles({ name: 'fam-a', models: [{ folder: '1.0', pluginId: 'fam-a-1.0' }, { folder: '2.0', pluginId: 'fam-a-2.0' }] }),
        ...familyFiles({ name: 'fam-b', models: [{ folder: '1.0', pluginId: 'fam-a-1.0' }] }),
      },
    });
    try {
      const shown = ws.nxOk(['show', 'projects', '--json']);
      expect((JSON.parse(shown.stdout) as string[]).sort()).toEqual(
        ['fam-a', 'fam-a/common', 'fam-a/1.0', 'fam-a-2.0', 'fam-b', 'fam-b/common', 'fam-b/1.0', 'provd-repository'].sort()
      );
      const message = "plugin id 'fam-a-1.0' is declared twice: plugins/fam-a/build.py (target '1.0') and plugins/fam-b/build.py (target '1.0')";
      expect(shown.stderr).toContain(message);
      const r = ws.nx(['run-many', '-t', 'build', '--outputStyle=static']);
      expect(failedTasks(r.output)).toEqual(['fam-a/1.0:build', 'fam-b/1.0:build']);
      expect(r.output).toContain(`error: ${message}`);
      expect(existsSync(ws.path('dist', 'packages', 'fam-a-2.0-0.1.0.tar.bz2'))).toBe(true);
    } finally {
      ws.dispose();
    }
  });
});
