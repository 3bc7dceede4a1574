import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { familyFiles } from '../../../test/collection';
import { createWorkspace, TestWorkspace } from '../../../test/workspace';
import buildExecutor from '../build/executor';
import publishExecutor from './executor';

describe('publish executor', () => {
  let ws: TestWorkspace;
  const quietly = async <T>(f: () => Promise<T>): Promise<{ result: T; out: string }> => {
    const out: string[] = [];
    const spies = [vi.spyOn(console, 'log'), vi.spyOn(console, 'error')].map((s) => s.mockImplementation((l) => void out.push(String(l))));
    try {
      return { result: await f(), out: out.join('\n') };
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  };
  beforeAll(() => {
    ws = createWorkspace({ files: familyFiles({ name: 'fam', models: [{ folder: '1.0', pluginId: 'fam-1.0', version: '1.0.0' }] }) });
    ws.graph();
  });
  afterAll(() => ws?.dispose());

  it('says to build first when the package of the current version is missing', async () => {
    const { result, out } = await quietly(() => publishExecutor({}, ws.executorContext('fam-1.0', 'publish')));
    expect(result.success).toBe(false);
    expect(out).toBe('error: fam-1.0: dist/packages/fam-1.0-1.0.0.tar.bz2 does not exist: build fam-1.0 first');
  });

  it('publishes to the repository given as option, then finds it already published; dry-run writes nothing', async () => {
    await quietly(() => buildExecutor({}, ws.executorContext('fam-1.0', 'build')));
    const repo = ws.path('elsewhere');
    const dry = await quietly(() => publishExecutor({ repository: repo, dryRun: true, createRepository: true }, ws.executorContext('fam-1.0', 'publish')));
    expect(dry.out).toMatch(/fam-1\.0 1\.0\.0: published \(dry run\)/);
    expect(() => readFileSync(`${repo}/testing/plugins.db`)).toThrow();
    const first = await quietly(() => publishExecutor({ repository: repo, createRepository: true }, ws.executorContext('fam-1.0', 'publish')));
    expect(first.result.success).toBe(true);
    expect(JSON.parse(readFileSync(`${repo}/testing/plugins.db`, 'utf8'))['fam-1.0'].version).toBe('1.0.0');
    const again = await quietly(() => publishExecutor({ repository: repo, createRepository: true }, ws.executorContext('fam-1.0', 'publish')));
    expect(again.out).toMatch(/fam-1\.0 1\.0\.0: already-published/);
  });

  it('PROVD_REPOSITORY overrides the configured repository', async () => {
    const repo = ws.path('from-env');
    process.env.PROVD_REPOSITORY = repo;
    try {
      mkdirSync(repo, { recursive: true }); // an existing repository: PROVD_REPOSITORY never creates one
      const r = await quietly(() => publishExecutor({}, ws.executorContext('fam-1.0', 'publish')));
      expect(r.result.success).toBe(true);
      expect(JSON.parse(readFileSync(`${repo}/testing/plugins.db`, 'utf8'))['fam-1.0'].filename).toBe('fam-1.0-1.0.0.tar.bz2');
    } finally {
      delete process.env.PROVD_REPOSITORY;
    }
  });
});
