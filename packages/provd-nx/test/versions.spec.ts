/**
 * provd version strings through the real nx CLI (issue 7 item 1): a collection mixing
 * one-, two-, three- and four-part versions keeps each version's shape on patch, minor,
 * major and exact bumps; channels order versions numerically (0.10 after 0.9); a version
 * none of this handles ('beta') fails only its own model's version task.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyFiles } from './collection';
import { failedTasks } from './tasks';
import { createWorkspace, TestWorkspace } from './workspace';

// the version rule here is the git-base one (--rule=git): these are about version shapes, not
// about which package was released (release-flow.spec.ts)

/** folder -> version of family xivo-mix (plugin id xivo-mix-<folder>) */
const MIX: Record<string, string> = { a: '1', b: '0.2', c: '0.4.17', d: '1.2.3.4', e: '1.1', beta: 'beta' };
const BETA_MSG =
  'plugins/xivo-mix/beta/plugin-info: version "beta" is not a dotted numeric version (e.g. 0.2, 0.4.17, 1.2.3-rc.1): it cannot be bumped, ordered or published';

describe('provd versions of any shape, through nx', () => {
  let ws: TestWorkspace;
  const version = (family: string, folder: string) => JSON.parse(ws.read(`plugins/${family}/${folder}/plugin-info`)).version;
  const mixVersions = () => Object.fromEntries(Object.keys(MIX).map((f) => [f, version('xivo-mix', f)]));

  beforeAll(() => {
    ws = createWorkspace({
      files: {
        ...familyFiles({ name: 'xivo-mix', models: Object.entries(MIX).map(([folder, v]) => ({ folder, pluginId: `xivo-mix-${folder}`, version: v })) }),
        ...familyFiles({ name: 'xivo-order', models: [{ folder: 'e', pluginId: 'xivo-order-e', version: '0.9' }] }),
      },
    });
    // every xivo-mix model copies common/: one change there moves them all
    ws.append('plugins/xivo-mix/common/templates/base.tpl', '<!-- fix -->\n');
    ws.commit('fix the common template');
  });
  afterAll(() => ws?.dispose());

  const bumpAll = (...extra: string[]) => {
    const r = ws.nx(['run-many', '-t', 'version', '--rule=git', '--base=HEAD~1', ...extra, '--outputStyle=static']);
    const after = mixVersions();
    ws.git('checkout', '--', 'plugins');
    return { r, after };
  };

  it.each([
    ['patch', [], { a: '2', b: '0.3', c: '0.4.18', d: '1.2.3.5', e: '1.2' }],
    ['minor', ['--bump=minor'], { a: '2', b: '1.0', c: '0.5.0', d: '1.2.4.0', e: '2.0' }],
    ['major', ['--bump=major'], { a: '2', b: '1.0', c: '1.0.0', d: '2.0.0.0', e: '2.0' }],
  ])('a %s bump keeps each shape; beta fails only its own version task', (_, extra, expected) => {
    const { r, after } = bumpAll(...extra);
    expect(after).toEqual({ ...expected, beta: 'beta' });
    expect(r.code).not.toBe(0);
    expect(failedTasks(r.output)).toEqual(['xivo-mix-beta:version']);
    expect(r.output).toContain(`error: ${BETA_MSG}`);
    for (const [folder, next] of Object.entries(expected)) {
      expect(r.output).toContain(`xivo-mix-${folder}: ${MIX[folder]} -> ${next} (`);
    }
    // a model of another family, unchanged, succeeds too
    expect(r.output).toContain('xivo-order-e: 0.9 (unchanged since HEAD~1)');
  });

  it('an exact bump takes any dotted numeric version, and may replace one that cannot be bumped', () => {
    // b changed since HEAD~1: a bump it cannot apply fails it
    const bad = ws.nx(['run', 'xivo-mix-b:version', '--rule=git', '--base=HEAD~1', '--bump=v2']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain("--bump must be patch, minor, major or a dotted numeric version (e.g. 0.3, 1.2.3.4), not 'v2'");
    expect(version('xivo-mix', 'b')).toBe('0.2');
    ws.nxOk(['run', 'xivo-mix-b:version', '--bump=3.1.4.1']);
    // nx parses 0.10 as a number: the version as typed must survive
    ws.nxOk(['run', 'xivo-mix-c:version', '--bump=0.10']);
    ws.nxOk(['run', 'xivo-mix-beta:version', '--bump=1.0']);
    expect(mixVersions()).toMatchObject({ b: '3.1.4.1', c: '0.10', beta: '1.0' });
    ws.git('checkout', '--', 'plugins');
  });

  it('beta fails publish too, with the same message, and nothing reaches the channel', () => {
    const r = ws.nx(['run', 'xivo-mix-beta:publish', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(BETA_MSG);
    expect(existsSync(ws.path('dist/repository/testing/plugins.db'))).toBe(false);
  });

  it('channels order numerically: 0.10 replaces 0.9, and 0.9 after 0.10 is refused as a downgrade', () => {
    const db = () => JSON.parse(readFileSync(ws.path('dist/repository/testing/plugins.db'), 'utf8'))['xivo-order-e'];
    ws.nxOk(['run', 'xivo-order-e:publish', '--outputStyle=static']);
    expect(db()).toMatchObject({ version: '0.9', filename: 'xivo-order-e-0.9.tar.bz2' });
    ws.nxOk(['run', 'xivo-order-e:publish', '--bump=0.10', '--outputStyle=static']);
    expect(version('xivo-order', 'e')).toBe('0.10');
    // the file name keeps the version as written
    expect(db()).toMatchObject({ version: '0.10', filename: 'xivo-order-e-0.10.tar.bz2' });
    expect(existsSync(ws.path('dist/repository/testing/xivo-order-e-0.10.tar.bz2'))).toBe(true);
    // 0.9 was superseded, not kept as newest
    expect(existsSync(ws.path('dist/repository/testing/xivo-order-e-0.9.tar.bz2'))).toBe(false);
    expect(existsSync(ws.path('dist/repository/archive/xivo-order-e-0.9.tar.bz2'))).toBe(true);

    ws.git('checkout', '--', 'plugins');
    expect(version('xivo-order', 'e')).toBe('0.9');
    // the released-package rule would take 0.10 back (same contents); the git rule leaves 0.9 for publish to refuse
    const back = ws.nx(['run', 'xivo-order-e:publish', '--rule=git', '--outputStyle=static']);
    expect(back.code).not.toBe(0);
    expect(back.output).toContain('already has xivo-order-e 0.10, newer than 0.9: a channel never goes back to an older version');
    expect(db()).toMatchObject({ version: '0.10' });
  });
});
