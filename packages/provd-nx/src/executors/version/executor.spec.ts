import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { familyFiles } from '../../../test/collection';
import { createWorkspace, TestWorkspace } from '../../../test/workspace';
import versionExecutor from './executor';

describe('version executor, git-base rule (the offline fallback)', () => {
  let ws: TestWorkspace;
  const version = (m: string) => JSON.parse(ws.read(`plugins/fam/${m}/plugin-info`)).version;
  const run = async (options: object, project = 'fam-1.0') => {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((l) => void out.push(String(l)));
    const err = vi.spyOn(console, 'error').mockImplementation((l) => void out.push(String(l)));
    try {
      return { ...(await versionExecutor({ rule: 'git', ...options }, ws.executorContext(project, 'version'))), out: out.join('\n') };
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  };
  beforeAll(() => {
    ws = createWorkspace({
      files: familyFiles({ name: 'fam', models: [{ folder: '1.0', pluginId: 'fam-1.0', version: '1.0.0' }, { folder: '2.0', pluginId: 'fam-2.0', version: '2.0.0', shared: ['common_c'] }] }),
    });
    ws.graph();
  });
  afterAll(() => ws?.dispose());

  it('leaves an unchanged model alone, and --check passes it', async () => {
    expect(await run({ base: 'HEAD' })).toMatchObject({ success: true, out: 'fam-1.0: 1.0.0 (unchanged since HEAD)' });
    expect(await run({ base: 'HEAD', check: true })).toMatchObject({ success: true });
  });

  it('a change in a folder its recipe copies: --check fails, --dry-run writes nothing, then patch bump, then idempotent', async () => {
    ws.append('plugins/fam/common/common.py', '# changed\n');
    const check = await run({ base: 'HEAD', check: true });
    expect(check.success).toBe(false);
    expect(check.out).toBe('fam-1.0: changed since HEAD without a version bump: still 1.0.0 (1 file(s) changed since HEAD: plugins/fam/common/common.py); fix: npx nx run fam-1.0:version');
    expect((await run({ base: 'HEAD', dryRun: true })).out).toMatch(/^fam-1\.0: 1\.0\.0 -> 1\.0\.1 \(dry run, nothing written\)/);
    expect(version('1.0')).toBe('1.0.0');
    expect((await run({ base: 'HEAD' })).out).toMatch(/^fam-1\.0: 1\.0\.0 -> 1\.0\.1 \(1 file/);
    expect(version('1.0')).toBe('1.0.1');
    expect((await run({ base: 'HEAD' })).out).toBe('fam-1.0: 1.0.1 (already moved from 1.0.0)');
    // fam-2.0 copies common_c/, not common/
    expect((await run({ base: 'HEAD' }, 'fam-2.0')).out).toBe('fam-2.0: 2.0.0 (unchanged since HEAD)');
    ws.git('checkout', '--', '.');
  });

  it('an exact --bump sets the version even without changes; a bad one is an error; a bad base too', async () => {
    await run({ base: 'HEAD', bump: '3.0.0' }, 'fam-2.0');
    expect(version('2.0')).toBe('3.0.0');
    ws.git('checkout', '--', '.');
    expect(await run({ base: 'HEAD', bump: 'huge' })).toMatchObject({ success: true, out: 'fam-1.0: 1.0.0 (unchanged since HEAD)' });
    ws.append('plugins/fam/1.0/entry.py', '# x\n');
    expect(await run({ base: 'HEAD', bump: 'huge' })).toMatchObject({ success: false, out: expect.stringMatching(/^error: --bump must be patch, minor, major or a dotted numeric version \(e\.g\. 0\.3, 1\.2\.3\.4\), not 'huge'/) });
    expect(await run({ base: 'no-such-branch' })).toMatchObject({ success: false, out: expect.stringMatching(/the version base 'no-such-branch' is not a git revision here/) });
    ws.git('checkout', '--', '.');
  });
});
