/**
 * The folder holding wazo_provd for specs: PROVD_PYTHONPATH, else the real provd client's
 * pythonpath/ beside the repository (../shared/provd/pythonpath), found as provd-consumer.ts
 * finds consumer.py (from a git worktree too).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedFile } from './provd-consumer';

export function provdPythonPathForSpecs(): string {
  const path = process.env.PROVD_PYTHONPATH || sharedFile('provd', 'pythonpath');
  if (!path || !existsSync(join(path, 'wazo_provd'))) {
    throw new Error(`provd's Python code is missing: ${path ?? '../shared/provd/pythonpath'} holds no wazo_provd (set PROVD_PYTHONPATH)`);
  }
  return path;
}
