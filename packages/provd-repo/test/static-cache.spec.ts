/**
 * The download cache on real files: bounded in bytes (least recently used dropped first), and a
 * file over the per-file bound keeps only its headers (http-cache.spec.ts shows external writes seen).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticFiles } from '../src/static-cache';
import { sha1, tempDir } from './fixture';

describe('StaticFiles', () => {
  let root: string;
  const names = ['a-1.0-1.tar.bz2', 'b-1.0-1.tar.bz2', 'c-1.0-1.tar.bz2'];
  beforeAll(async () => {
    root = await tempDir();
    await fsp.mkdir(path.join(root, 'testing'));
    for (const [i, n] of names.entries()) await fsp.writeFile(path.join(root, 'testing', n), Buffer.alloc(3000, i));
    await fsp.writeFile(path.join(root, 'testing', 'big-1.0-1.tar.bz2'), Buffer.alloc(5000, 9));
  });
  afterAll(async () => {
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('holds at most maxBytes, dropping the least recently used first', async () => {
    const files = new StaticFiles(root, { maxBytes: 7000, maxFileBytes: 4096 });
    try {
      await files.get('testing', names[0]);
      await files.get('testing', names[1]);
      expect(files.cachedBytes).toBe(6000);
      expect(files.peek('testing', names[0])).toBeDefined(); // a is now the most recently used
      await files.get('testing', names[2]);
      expect(files.cachedBytes).toBe(6000);
      expect(files.peek('testing', names[1])).toBeUndefined();
      expect(files.peek('testing', names[0])?.body?.length).toBe(3000);
      expect(files.peek('testing', names[2])?.etag).toBe(`"${sha1(Buffer.alloc(3000, 2))}"`);
    } finally {
      files.close();
    }
  });

  it('keeps only the headers of a file over maxFileBytes', async () => {
    const files = new StaticFiles(root, { maxBytes: 7000, maxFileBytes: 4096 });
    try {
      const big = await files.get('testing', 'big-1.0-1.tar.bz2');
      expect(big?.body).toBeUndefined();
      expect(big?.size).toBe(5000);
      expect(big?.etag).toBe(`"${sha1(Buffer.alloc(5000, 9))}"`);
      expect(files.cachedBytes).toBe(0);
    } finally {
      files.close();
    }
  });
});
