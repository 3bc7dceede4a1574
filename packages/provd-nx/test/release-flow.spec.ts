/**
 * The release flow end to end with the real nx CLI: bumps decided by what the channel
 * holds (no git base), promote testing -> stable per family, rollback, status, orphans.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackage } from '../src/package/read';
import { createWorkspace, TestWorkspace } from './workspace';

import { REPO_ROOT } from './workspace';

/** the real provd client, beside the repository (a worktree sits one level deeper) */
const CONSUMER =
  process.env.PROVD_CONSUMER ??
  [join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, '..', '..', 'shared')].map((d) => join(d, 'provd', 'consumer.py')).find((f) => existsSync(f)) ??
  'shared/provd/consumer.py (not found; set PROVD_CONSUMER)';
const SPA = ['xivo-cisco-pap2t-5.1.6', 'xivo-cisco-spa-7.5.5', 'xivo-cisco-spa-legacy', 'xivo-cisco-spa2102-5.2.12'];
const SNOM = ['xivo-snom-10.1.46', 'xivo-snom-10.1.54', 'xivo-snom-8.4.35', 'xivo-snom-8.7.3', 'xivo-snom-8.7.5', 'xivo-snom-8.9.3.80', 'xivo-snom-m9-9.6.2'];
/** the models whose package holds common/common.py (10.1.54 gets common_c/'s, which overlays it) */
const SNOM_COMMON_PY = ['xivo-snom-8.4.35', 'xivo-snom-8.7.3', 'xivo-snom-8.7.5', 'xivo-snom-8.9.3.80'];

const sha1 = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');

/** Every file under `dir` with its SHA-1 (dot files included): "unchanged" means byte for byte. */
/** Every file under `dir` with its digest and mtime: `dir` must exist and hold files, or a comparison of two trees proves nothing. */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out[relative(dir, abs)] = e.isFile() ? `${sha1(abs)} ${statSync(abs).mtimeMs}` : 'link';
    }
  };
  walk(dir);
  if (Object.keys(out).length === 0) throw new Error(`${dir} holds no file`);
  return out;
}

function helpers(ws: () => TestWorkspace) {
  const index = (channel: string): Record<string, any> => {
    const f = ws().path('dist/repository', channel, 'plugins.db');
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : {};
  };
  const versions = (channel: string) => Object.fromEntries(Object.entries(index(channel)).map(([id, e]) => [id, e.version as string]));
  const publish = (...extra: string[]) => ws().nxOk(['run-many', '-t', 'publish', '--outputStyle=static', ...extra]);
  const changed = (before: Record<string, string>, after: Record<string, string>) => Object.keys(after).filter((id) => after[id] !== before[id]).sort();
  return { index, versions, publish, changed };
}

describe('bumps decided by what was released (branch main)', () => {
  let ws: TestWorkspace;
  const { index, versions, publish, changed } = helpers(() => ws);

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    publish();
  });
  afterAll(() => ws?.dispose());

  it('a common/ change committed on main: run-many -t publish bumps and publishes exactly the models whose package changed', async () => {
    const before = versions('testing');
    ws.append('plugins/xivo-snom/common/common.py', '\n# shared fix\n');
    ws.commit('fix common');
    const r = publish();
    expect(changed(before, versions('testing'))).toEqual(SNOM_COMMON_PY);
    // 10.1.54 copies common/ too, but common_c/common.py replaces common.py in its package
    const pkg = await readPackage(ws.path('dist/repository/testing', index('testing')['xivo-snom-10.1.54'].filename));
    expect(pkg.read('xivo-snom-10.1.54/common.py')!.toString()).toBe(ws.read('plugins/xivo-snom/common_c/common.py'));
    expect(r.output).toMatch(/xivo-snom-8\.7\.3\s+1\.2\.0 -> 1\.2\.1\s+bumped\s+published \(testing\)/);
    expect(r.output).toMatch(/xivo-snom-10\.1\.54\s+2\.1\.0\s+released\s+already published \(testing\)/);
    // the bumped files, and the line that records them
    expect(r.output).toMatch(/record them: git add plugins\/xivo-snom\/8\.4\.35\/plugin-info .*plugins\/xivo-snom\/8\.9\.3\.80\/plugin-info && git commit -m 'release 4 provd plugins'/);
    expect(ws.git('diff', '--name-only').trim().split('\n').sort()).toEqual(
      ['8.4.35', '8.7.3', '8.7.5', '8.9.3.80'].map((m) => `plugins/xivo-snom/${m}/plugin-info`)
    );
    ws.commit('release common fix');
  });

  it('a second fix after that publish is bumped again without any flag; --commit records the bump', () => {
    ws.append('plugins/xivo-snom/8.7.3/templates/720.tpl', '\n<!-- second fix -->\n');
    ws.commit('second fix');
    const before = versions('testing');
    const r = publish('--commit');
    expect(changed(before, versions('testing'))).toEqual(['xivo-snom-8.7.3']);
    expect(versions('testing')['xivo-snom-8.7.3']).toBe('1.2.2');
    expect(r.output).toMatch(/committed [0-9a-f]+: release xivo-snom-8\.7\.3 1\.2\.2/);
    expect(ws.git('log', '-1', '--format=%s').trim()).toBe('release xivo-snom-8.7.3 1.2.2');
    expect(ws.git('status', '--porcelain').trim()).toBe('');
  });

  it('a build.py edit that changes one model\'s output bumps only that model; a rerun changes nothing', () => {
    const before = versions('testing');
    ws.write('plugins/xivo-snom/build.py', ws.read('plugins/xivo-snom/build.py').replace('s/@FIRMWARE@/8.7.5/g', 's/@FIRMWARE@/8.7.5-r2/g'));
    ws.commit('8.7.5: firmware tag');
    publish('--commit');
    expect(changed(before, versions('testing'))).toEqual(['xivo-snom-8.7.5']);

    const repo = tree(ws.path('dist/repository'));
    const head = ws.git('rev-parse', 'HEAD');
    const again = publish('--commit');
    expect(again.output).not.toMatch(/bumped/);
    expect(tree(ws.path('dist/repository'))).toEqual(repo);
    expect(ws.git('rev-parse', 'HEAD')).toBe(head);
    expect(ws.git('status', '--porcelain').trim()).toBe('');
  });

  it('version --check fails on a content change without a bump; a forgotten bump is refused with the command that fixes it', () => {
    ws.append('plugins/xivo-snom/10.1.46/templates/D785.tpl', '\n<!-- tweak -->\n');
    ws.commit('tweak D785');
    const check = ws.nx(['run-many', '-t', 'version', '--check', '--outputStyle=static']);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/xivo-snom-10\.1\.46: contents changed without a version bump: still 2\.0\.3 \(2\.0\.3 is in testing with other contents\); fix: npx nx run xivo-snom-10\.1\.46:version/);
    expect(check.output).not.toMatch(/xivo-snom-8\.7\.3: contents changed/);
    const state = tree(ws.path('dist/repository'));
    const refused = ws.nx(['run-many', '-t', 'build,publish', '-p', 'xivo-snom-10.1.46', '--exclude-task-dependencies', '--outputStyle=static']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/refused: .*different content.*; fix: npx nx run xivo-snom-10\.1\.46:version/);
    expect(tree(ws.path('dist/repository'))).toEqual(state);
    ws.git('reset', '-q', '--hard', 'HEAD~1');
  });

  it('the channel unreadable: the git-base rule decides, and says so', () => {
    ws.append('plugins/xivo-snom/8.4.35/templates/360.tpl', '\n<!-- offline -->\n');
    ws.commit('offline fix');
    // a repository location whose testing channel cannot be listed or read
    const r = ws.nxOk(['run', 'xivo-snom-8.4.35:version', '--dry-run', '--base=HEAD~1', '--outputStyle=static'], { PROVD_REPOSITORY: 'rsync://127.0.0.1:1/none' });
    expect(r.output).toMatch(/the testing channel cannot be read .*falling back to the git-base rule/);
    expect(r.output).toMatch(/xivo-snom-8\.4\.35: \d+\.\d+\.\d+ -> \d+\.\d+\.\d+ \(dry run, nothing written\) \(1 file\(s\) changed since HEAD~1/);
    ws.git('reset', '-q', '--hard', 'HEAD~1');
  });
});

describe('bumps decided by what was released (branch master, no main anywhere)', () => {
  it('publish, commit a common/ change, publish again: exactly the changed packages move; a rerun changes nothing', () => {
    const ws = createWorkspace({ families: ['xivo-snom'] });
    const { versions, publish, changed } = helpers(() => ws);
    try {
      ws.git('branch', '-m', 'master');
      publish();
      const before = versions('testing');
      ws.append('plugins/xivo-snom/common/common.py', '\n# shared fix\n');
      ws.commit('fix common');
      publish('--commit');
      expect(changed(before, versions('testing'))).toEqual(SNOM_COMMON_PY);
      expect(ws.git('log', '-1', '--format=%B')).toMatch(/xivo-snom-8\.4\.35 0\.8\.5/);
      const state = tree(ws.path('dist/repository'));
      const again = publish();
      expect(again.output).not.toMatch(/bumped/);
      expect(tree(ws.path('dist/repository'))).toEqual(state);
    } finally {
      ws.dispose();
    }
  });
});

// These are about channels: each promote passes --skip-test (the test gate is promote-gate.spec.ts's).
describe('promote, rollback and status through nx', () => {
  let ws: TestWorkspace;
  const { index, versions, publish } = helpers(() => ws);

  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
    publish();
  });
  afterAll(() => ws?.dispose());

  it('family targets pass their options on: publish --channel=stable --repository=<other> goes there', () => {
    const other = ws.path('other-repository');
    const r = ws.nxOk(['run', 'xivo-cisco-spa:publish', '--channel=stable', `--repository=${other}`, '--create-repository', '--outputStyle=static']);
    expect(r.output).toMatch(/published \(stable\)/);
    expect(Object.keys(JSON.parse(readFileSync(join(other, 'stable', 'plugins.db'), 'utf8'))).sort()).toEqual(SPA);
    expect(existsSync(join(other, 'testing'))).toBe(false);
  });

  it('promote --dry-run prints the plan and changes nothing anywhere (dist/ included)', () => {
    const dist = tree(ws.path('dist'));
    const r = ws.nxOk(['run', 'xivo-cisco-spa:promote', '--skip-test', '--dry-run', '--outputStyle=static']);
    expect(r.output).toMatch(/model\s+stable -> testing\s+action/);
    expect(r.output).toMatch(/xivo-cisco-pap2t-5\.1\.6\s+- -> 0\.2\.7\s+promote/);
    // one task, one table for the whole family
    expect(r.output.match(/stable -> testing/g)).toHaveLength(1);
    expect(tree(ws.path('dist'))).toEqual(dist);
  });

  it('promote one family: stable carries testing\'s bytes for its models (pap2t included), nothing of the other family', () => {
    ws.nxOk(['run', 'xivo-cisco-spa:promote', '--skip-test', '--outputStyle=static']);
    const [t, s] = [index('testing'), index('stable')];
    expect(Object.keys(s).sort()).toEqual(SPA);
    for (const id of SPA) {
      expect(s[id]).toEqual(t[id]);
      expect(sha1(ws.path('dist/repository/stable', s[id].filename))).toBe(t[id].sha1sum);
    }
    ws.nxOk(['run', 'provd-repository:verify', '-c', 'stable']);
  });

  it('change common/, publish, promote again: new versions in stable, superseded ones archived, the other family untouched', () => {
    ws.nxOk(['run', 'xivo-snom:promote', '--skip-test', '--outputStyle=static']);
    const spaStable = Object.fromEntries(SPA.map((id) => [id, index('stable')[id]]));
    const old = versions('stable');
    ws.append('plugins/xivo-snom/common/common.py', '\n# fix\n');
    ws.commit('fix common');
    publish('--commit');
    const status = JSON.parse(ws.nxOk(['run', 'xivo-snom:status', '--json', '--outputStyle=static']).stdout.match(/^\[[\s\S]*^\]/m)![0]);
    expect(status.filter((r: any) => r.readyToPromote).map((r: any) => r.model).sort()).toEqual(SNOM_COMMON_PY);
    expect(status.every((r: any) => r.needsBump === false && !r.orphan)).toBe(true);
    ws.nxOk(['run', 'xivo-snom:promote', '--skip-test', '--outputStyle=static']);
    const [t, s] = [index('testing'), index('stable')];
    for (const id of SNOM) expect(s[id]).toEqual(t[id]);
    for (const id of SNOM_COMMON_PY) {
      expect(s[id].version).not.toBe(old[id]);
      expect(readdirSync(ws.path('dist/repository/archive'))).toContain(`${id}-${old[id]}.tar.bz2`);
      expect(readdirSync(ws.path('dist/repository/stable'))).not.toContain(`${id}-${old[id]}.tar.bz2`);
    }
    for (const id of SPA) expect(index('stable')[id]).toEqual(spaStable[id]);
    ws.nxOk(['run', 'provd-repository:verify', '-c', 'stable']);
  });

  it('rolling one model back restores the archived bytes; the replaced version goes to archive/', () => {
    const id = 'xivo-snom-8.7.3';
    const current = index('stable')[id];
    const archived = ws.path('dist/repository/archive', `${id}-1.2.0.tar.bz2`);
    const bytes = sha1(archived);
    ws.nxOk(['run', 'xivo-snom:promote', '--skip-test', '--from=archive', `--models=${id}`, '--version=1.2.0', '--outputStyle=static']);
    const entry = index('stable')[id];
    expect(entry).toMatchObject({ version: '1.2.0', sha1sum: bytes, filename: `${id}-1.2.0.tar.bz2` });
    expect(sha1(ws.path('dist/repository/stable', entry.filename))).toBe(bytes);
    expect(readdirSync(ws.path('dist/repository/archive'))).toContain(current.filename);
    expect(readdirSync(ws.path('dist/repository/stable'))).not.toContain(current.filename);
    // going forward again: the model's own promote
    const forward = ws.nxOk(['run', `${id}:promote`, '--skip-test', '--outputStyle=static']);
    expect(forward.output).toMatch(/xivo-snom-8\.7\.3\s+1\.2\.0 -> 1\.2\.1\s+promoted/);
    expect(index('stable')[id]).toEqual(index('testing')[id]);
  });

  it('a model removed from the recipe is an orphan: status and publish report it, --prune archives it from testing, promote --prune from stable', () => {
    const id = 'xivo-snom-m9-9.6.2';
    const recipe = ws.read('plugins/xivo-snom/build.py');
    ws.write('plugins/xivo-snom/build.py', recipe.replace(/# M9 DECT base[\s\S]*?m9-9\.6\.2\/', path\]\)\n/, ''));
    ws.git('rm', '-rq', 'plugins/xivo-snom/m9-9.6.2');
    ws.commit('drop m9');
    const status = ws.nxOk(['run', 'provd-repository:status', '--outputStyle=static']);
    expect(status.output).toMatch(new RegExp(`${id.replace(/\./g, '\\.')}\\s+-\\s+0\\.3\\.0\\s+0\\.3\\.0\\s+-\\s+-\\s+yes`));
    const reported = publish();
    expect(reported.output).toMatch(/xivo-snom-m9-9\.6\.2\s+.*orphan \(--prune archives it\)/);
    expect(index('testing')[id]).toBeDefined();
    publish('--prune');
    expect(index('testing')[id]).toBeUndefined();
    expect(readdirSync(ws.path('dist/repository/archive'))).toContain(`${id}-0.3.0.tar.bz2`);
    const promote = ws.nxOk(['run', 'xivo-snom:promote', '--skip-test', '--prune', '--outputStyle=static']);
    expect(promote.output).toMatch(/xivo-snom-m9-9\.6\.2\s+0\.3\.0 -> -\s+pruned/);
    expect(index('stable')[id]).toBeUndefined();
    ws.nxOk(['run', 'provd-repository:verify', '-c', 'stable']);
    ws.nxOk(['run', 'provd-repository:verify']);
  });

  it('the real provd installs and loads every plugin of stable', () => {
    expect(existsSync(CONSUMER), CONSUMER).toBe(true);
    const r = ws.run('python3', [CONSUMER, ws.path('dist/repository/stable')]);
    const n = Object.keys(index('stable')).length;
    expect(r.output.trim().split('\n').pop(), r.output.slice(-3000)).toBe(`provd-consumer: ${n} plugins installed, 0 failed`);
    expect(r.code).toBe(0);
  });
});
