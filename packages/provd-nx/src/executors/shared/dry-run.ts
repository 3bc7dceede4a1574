/**
 * A dry run writes nothing anywhere, dist/ included: its builds (packages, plugin folders,
 * stamps) and the digests it computes go to a scratch folder of the run instead, where the
 * version and publish tasks of the same run find them, and which the end-of-run hook removes.
 */
import { withTempDir } from '../../fs/temp-dir';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { provdEnv } from '../../runtime/env';

/** The scratch folder the preTasksExecution hook names for a dry run (it exists once a build made it). */
export function dryRunDistFor(runId: string): string {
  return join(tmpdir(), `provd-dry-run-${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
}

/** This run's dry-run scratch folder, when the hook named one. */
export function namedDryRunDist(): string | undefined {
  return provdEnv('dryRunDist') || undefined;
}

/**
 * Runs `fn` with the folder builds go to: `<root>/<distDir>`; under a dry run, the run's scratch
 * folder, or (an executor run without the hooks) a temporary one removed when `fn` is done.
 */
export async function withBuildDist<T>(root: string, distDir: string, dryRun: boolean, fn: (dist: string) => Promise<T>): Promise<T> {
  if (!dryRun) return fn(resolve(root, distDir));
  const named = namedDryRunDist();
  if (named) return fn(named);
  return withTempDir('provd-dry-run-', fn);
}
