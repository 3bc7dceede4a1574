import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.spec.ts', 'tools/**/*.spec.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // e2e specs spawn the nx CLI and python; two workers match the 2-core machines
    maxWorkers: 2,
    reporters: ['default'],
  },
});
