/**
 * Repository locations as strings: the default, PROVD_REPOSITORY over the configured one, and which
 * backend a location names. Apart from open.ts so the project graph (plugins/project-configs.ts)
 * reads them without loading every backend (rsync, HTTP, locks) into each process computing it.
 */
import { provdEnv } from '../runtime/env';

export const DEFAULT_REPOSITORY = 'dist/repository';

/** PROVD_REPOSITORY overrides the configured repository. */
export function repositoryLocation(configured: string | undefined): string {
  const fromEnv = provdEnv('repository');
  if (fromEnv && fromEnv.trim()) return fromEnv.trim();
  return configured && configured.trim() ? configured.trim() : DEFAULT_REPOSITORY;
}

export type LocationKind = 'local' | 'ssh' | 'rsyncd' | 'http';

/** Which backend a location string names; the rule for remotes is rsync's own (a ':' before any '/'). */
export function locationKind(location: string): LocationKind {
  if (/^https?:\/\//i.test(location)) return 'http';
  if (/^rsync:\/\//i.test(location)) return 'rsyncd';
  if (/^[^/]*:/.test(location)) return 'ssh';
  return 'local';
}
