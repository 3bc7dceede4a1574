/**
 * Our packages as they are published: built by their own targets (`nx run
 * @provd/nx:build`, `nx run @provd/repo:build`, cache hits when another spec
 * built the same sources).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NX_ENV, REPO_ROOT } from './workspace';

const DIST = { '@provd/nx': 'provd-nx', '@provd/repo': 'provd-repo' } as const;

/** The built package's folder (dist/npm/<name>), ready for `npm publish`; @provd/repo's build builds @provd/nx first. */
export function buildPublishedPackage(timeoutMs: number, project: keyof typeof DIST = '@provd/nx'): string {
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run', `${project}:build`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...NX_ENV },
    stdio: 'pipe',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return join(REPO_ROOT, 'dist', 'npm', DIST[project]);
}
