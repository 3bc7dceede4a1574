import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { familyFiles } from '../../../test/collection';
import { createWorkspace, TestWorkspace } from '../../../test/workspace';
import buildExecutor from '../build/executor';
import publishExecutor from '../publish/executor';
import verifyExecutor from './executor';

describe('verify executor', () => {
  let ws: TestWorkspace;
  const out: string[] = [];
  beforeAll(async () => {
    ws = createWorkspace({ files: familyFiles({ name: 'fam', models: [{ folder: '1.0', pluginId: 'fam-1.0', version: '1.0.0' }] }) });
    ws.graph();
    vi.spyOn(console, 'log').mockImplementation((l) => void out.push(String(l)));
    vi.spyOn(console, 'error').mockImplementation((l) => void out.push(String(l)));
    await buildExecutor({}, ws.executorContext('fam-1.0', 'build'));
    await publishExecutor({}, ws.executorContext('fam-1.0', 'publish'));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    ws?.dispose();
  });

  it('passes a clean channel and fails a missing one', async () => {
    out.length = 0;
    expect((await verifyExecutor({ channel: 'testing' }, ws.executorContext('provd-repository', 'verify'))).success).toBe(true);
    expect(out).toEqual([`${ws.path('dist/repository/testing')}: clean`]);
    out.length = 0;
    expect((await verifyExecutor({ channel: 'stable' }, ws.executorContext('provd-repository', 'verify'))).success).toBe(false);
    expect(out[1]).toMatch(/stable\/plugins\.db is missing/);
  });

  it('lists what is wrong with a damaged package', async () => {
    writeFileSync(ws.path('dist/repository/testing/fam-1.0-1.0.0.tar.bz2'), 'not a package');
    out.length = 0;
    expect((await verifyExecutor({}, ws.executorContext('provd-repository', 'verify'))).success).toBe(false);
    expect(out[0]).toMatch(/testing: \d+ problem\(s\)/);
    expect(out.slice(1).join('\n')).toMatch(/fam-1\.0.*(dsize|sha1)/);
  });
});
