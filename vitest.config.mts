import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (in-process: no nx CLI, python3, rsync, sed, HTTP or browser; seconds) and
 * `e2e` (everything else: real nx in temporary workspaces, python3, rsync, HTTP, chromium).
 * `npm test` runs both; `npm run test:unit` the first. A new spec lands in e2e unless listed here.
 */
const UNIT = [
  'packages/provd-nx/src/format/plugin-info.spec.ts',
  'packages/provd-nx/src/format/provd-version.spec.ts',
  'packages/provd-nx/src/format/package-name.spec.ts',
  'packages/provd-nx/src/package/tree.spec.ts',
  'packages/provd-nx/src/repository/open.spec.ts',
  'packages/provd-nx/src/rsync/argv.spec.ts',
  'packages/provd-nx/src/build/model.spec.ts',
  'packages/provd-nx/src/executors/fail/executor.spec.ts',
  'packages/provd-nx/src/executors/shared/run-log.spec.ts',
  'packages/provd-nx/src/executors/shared/task-graph.spec.ts',
  'packages/provd-nx/src/generators/family/generator.spec.ts',
  'packages/provd-nx/src/generators/init/generator.spec.ts',
  'packages/provd-nx/src/migrations/rename-options.spec.ts',
  'packages/provd-nx/src/recipe/family.spec.ts',
  'packages/provd-nx/test/layout.spec.ts',
  'packages/provd-nx/test/schemas.spec.ts',
  'packages/provd-repo/test/tokens.spec.ts',
  'packages/provd-repo/test/names.spec.ts',
  'packages/provd-repo/test/static-cache.spec.ts',
];
const ALL = ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.spec.ts', 'tools/**/*.spec.ts'];

// @provd/repo imports @provd/nx by name: from source, through the exports map's @provd/source condition
const conditions = ['@provd/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    reporters: ['default'],
    // e2e specs spawn the nx CLI and python; two workers match the 2-core machines
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ALL,
          exclude: UNIT,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
