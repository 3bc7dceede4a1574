/**
 * The one door to the provd domain library (package checks, channel index, publishing):
 * everything the server uses from @provd/nx comes through here, by package name.
 */
export {
  type ChannelIndex,
  compareVersions,
  copyEntry,
  createPackage,
  entryPluginInfo,
  familyOfId,
  INDEX_FILE,
  isJsonObject,
  type JsonObject,
  LocalChannel,
  LOCK_FILE,
  openRepository,
  packageFileName,
  packageFileVersion,
  packageProblems,
  parseIndex,
  parseJson,
  parsePluginInfo,
  pluginIdProblem,
  PLUGIN_INFO,
  type PublishOutcome,
  publishPackage,
  readPackageOnce,
  sha1File,
  TOKEN_ENV,
  withTempDir,
  toPlain,
} from '@provd/nx/repository';
