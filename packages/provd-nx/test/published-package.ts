/**
 * @provd/nx as it is published: built by its own target (`nx run
 * @provd/nx:build`, a cache hit when another spec built the same sources).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NX_ENV, REPO_ROOT } from './workspace';

/** The built package's folder (dist/npm/provd-nx), ready for `npm publish`. */
export function buildPublishedPackage(timeoutMs: number): string {
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run', '@provd/nx:build'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...NX_ENV },
    stdio: 'pipe',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return join(REPO_ROOT, 'dist', 'npm', 'provd-nx');
}
