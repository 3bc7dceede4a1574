/**
 * The nx.json `release` configuration for provd models: every model is
 * versioned on its own, its version lives in plugin-info.
 *
 * The path is a package subpath (exports map of the built @provd/nx); in a
 * workspace loading @provd/nx from TypeScript source use the `.ts` file.
 */
export const VERSION_ACTIONS = '@provd/nx/src/release/version-actions';

export function releaseGroup() {
  return {
    projects: ['tag:type:model'],
    projectsRelationship: 'independent' as const,
    version: {
      versionActions: VERSION_ACTIONS,
      // plugin-info on disk is the truth (not git tags, not the channel)
      currentVersionResolver: 'disk' as const,
      // minor means minor, as with the version target: provd plugins live long on 0.x
      adjustSemverBumpsForZeroMajorVersion: false,
    },
  };
}
