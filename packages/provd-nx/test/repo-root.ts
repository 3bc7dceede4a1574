import { join } from 'node:path';

/** The monorepo root (where node_modules and plugins/ live); no vitest here, so tools may import it. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
