/**
 * The one door to the provd domain library (package checks, channel index, publishing).
 * Everything the server uses from @provd/nx comes through here, so that moving the
 * library's files only means re-pointing these imports.
 */
export { INDEX_FILE, compareVersions, entryPluginInfo, parseIndex, type ChannelIndex } from '../../provd-nx/src/format/plugins-db';
export { isJsonObject, parseJson, toPlain, type JsonObject } from '../../provd-nx/src/format/python-json';
export { copyEntry, publishPackage, type PublishOutcome } from '../../provd-nx/src/channel/publish';
export { readPackageOnce } from '../../provd-nx/src/channel/package-cache';
export { packageProblems } from '../../provd-nx/src/package/checks';
export { createPackage } from '../../provd-nx/src/package/create';
export { packageFileName, packageFileVersion } from '../../provd-nx/src/format/package-name';
export { sha1File } from '../../provd-nx/src/package/read';
export { PLUGIN_INFO, parsePluginInfo } from '../../provd-nx/src/format/plugin-info';
export { LOCK_FILE } from '../../provd-nx/src/repository/lock';
export { LocalChannel } from '../../provd-nx/src/repository/local';
export { openRepository } from '../../provd-nx/src/repository/open';
// the client side (tests, load test): PROVD_REPOSITORY=http(s)://... with this token publishes through the server
export { TOKEN_ENV } from '../../provd-nx/src/repository/http-upload';
