/** One helper for specs that need the repository root or a temporary folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The monorepo root (where node_modules and plugins/ live). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * A temporary folder for the calling spec file or describe block: created before its tests,
 * removed after them. Returns a joiner: `tmp()` is the folder, `tmp('a', 'b')` a path inside it.
 */
export function useTempDir(prefix: string): (...parts: string[]) => string {
  let root: string | undefined;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return (...parts) => {
    if (!root) throw new Error('the temporary folder exists only while tests run');
    return join(root, ...parts);
  };
}
