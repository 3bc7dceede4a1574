import type { TargetConfiguration } from '@nx/devkit';

type TargetMetadata = NonNullable<TargetConfiguration['metadata']>;

/** What Nx Console shows under a target: how to list its options, and a typical use. */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  version: { bump: 'minor', dryRun: true },
  build: { verbose: true },
  publish: { dryRun: true },
  verify: { channel: 'stable' },
  'init-repository': { dryRun: true },
  promote: { dryRun: true },
  test: { update: true },
  status: { json: true },
  serve: { port: 8667 },
};

/** metadata.help of `project:target`; family targets point at a model's, whose executor does the work. */
export function targetHelp(project: string, target: keyof typeof EXAMPLES | string): NonNullable<TargetMetadata['help']> {
  return { command: `npx nx run ${project}:${target} --help`, example: { options: EXAMPLES[target] ?? {} } };
}

/** How families and models group their targets in Nx Console and the graph. */
export const TARGET_GROUPS: Record<string, string[]> = {
  'provd release': ['version', 'build', 'test', 'publish'],
  'provd channels': ['status', 'promote'],
};

/** A model has promote but no status of its own (its family's status lists it). */
export const MODEL_TARGET_GROUPS: Record<string, string[]> = {
  'provd release': ['version', 'build', 'test', 'publish'],
  'provd channels': ['promote'],
};
