/**
 * A server killed in a publish after the index was written, before the package it superseded
 * reached the archive, left that package in the channel unindexed (found by faults.spec's
 * kill -9 rounds). The next start finishes the move: an acknowledged package is indexed or
 * archived, never stranded.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INDEX_FILE } from '../src/domain';
import { buildPlugin, put, sha1, startServer, tempDir, WRITE_ALL } from './fixture';

describe('a publish interrupted before archiving', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fsp.rm(d, { recursive: true, force: true });
  });

  it('the next start moves the superseded package to archive/, bytes unchanged, and says so', async () => {
    const root = await tempDir();
    const work = await tempDir();
    dirs.push(root, work);
    const v1 = await buildPlugin(work, { id: 'probe-int', version: '1.0.0' });
    const v2 = await buildPlugin(work, { id: 'probe-int', version: '1.1.0' });
    const first = await startServer(root);
    try {
      expect((await put(first.base.replace(/\/plugins\/2$/, ''), 'testing', v1, WRITE_ALL)).status).toBe(201);
      expect((await put(first.base.replace(/\/plugins\/2$/, ''), 'testing', v2, WRITE_ALL)).status).toBe(201);
    } finally {
      await first.close();
    }
    // the state a kill between step 3 (index written) and step 4 (archive) leaves
    const name = path.basename(v1);
    await fsp.rename(path.join(root, 'archive', name), path.join(root, 'testing', name));
    expect(JSON.parse(await fsp.readFile(path.join(root, 'testing', INDEX_FILE), 'utf8'))['probe-int'].version).toBe('1.1.0');

    const log: string[] = [];
    const second = await startServer(root, { log });
    try {
      await expect(fsp.stat(path.join(root, 'testing', name))).rejects.toThrow();
      expect(sha1(await fsp.readFile(path.join(root, 'archive', name)))).toBe(sha1(await fsp.readFile(v1)));
      expect(log.join('\n')).toMatch(new RegExp(`testing: moved ${name.replace(/\./g, '\\.')} to archive/`));
      // nothing else moved: the indexed package stays
      expect(await fsp.readdir(path.join(root, 'testing'))).toContain(path.basename(v2));
    } finally {
      await second.close();
    }
  });
});
