/**
 * The one door to the provd domain library (package checks, channel index, publishing).
 * Everything the server uses from @provd/nx comes through here, so that moving the
 * library's files only means re-pointing these imports.
 */
export {
  INDEX_FILE,
  compareVersions,
  copyEntry,
  entryPluginInfo,
  isJsonObject,
  packageProblems,
  parseIndex,
  parseJson,
  publishPackage,
  readPackageOnce,
  toPlain,
  type ChannelIndex,
  type JsonObject,
  type PublishOutcome,
} from '../../provd-nx/src/lib/channel';
export { createPackage, packageFileName, packageFileVersion, sha1File } from '../../provd-nx/src/lib/package';
export { PLUGIN_INFO, parsePluginInfo } from '../../provd-nx/src/lib/plugin-info';
export { LOCK_FILE, LocalChannel, openRepository } from '../../provd-nx/src/lib/repository';
// the client side (tests, load test): PROVD_REPOSITORY=http(s)://... with this token publishes through the server
export { TOKEN_ENV } from '../../provd-nx/src/lib/http-upload';
