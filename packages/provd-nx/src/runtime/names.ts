export const PLUGIN_NAME = '@provd/nx';

/** A model's release chain, in the order Nx runs it: publish depends on version, version on build. */
export const RELEASE_STEPS = ['build', 'version', 'publish'] as const;
export type ReleaseStep = (typeof RELEASE_STEPS)[number];
