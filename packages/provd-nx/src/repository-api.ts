/**
 * `@provd/nx/repository`: provd repositories and their channels, for servers and scripts
 * (@provd/repo is built on it). Kept apart from the package's main entry, which Nx loads
 * into every plugin worker: the graph does not need publishing code.
 *
 * - channels: `openRepository(location)` (a folder, rsync or HTTP(S) URL) gives the
 *   testing/stable/archive channels; `LocalChannel` is one folder; `LOCK_FILE` their lock.
 * - publishing: `publishPackage` checks a package and indexes it under the channel lock
 *   (superseded packages go to archive/; `finishArchiving` completes what a killed publish left),
 *   `copyEntry` promotes one plugin's entry with its bytes.
 * - packages: `createPackage` writes `<id>-<version>.tar.bz2` as the build does,
 *   `packageProblems` lists what provd would refuse, `readPackageOnce` reads one back (cached
 *   by content), `sha1File` is the digest plugins.db holds.
 * - the index: `parseIndex`, `INDEX_FILE`, `entryPluginInfo`, and the format helpers
 *   re-exported from the main entry; `verifyChannel` checks a channel as provd would read it.
 * - bounds: `setPackageLimits` (every package reader's limits, `PackageLimitError` past one),
 *   `LockTimeoutError` (a channel lock not free in time), `isAlive`/`selfIdentity` (a process
 *   told apart from a later one with its pid).
 */
export * from './format';
export { copyEntry, publishPackage, type PublishOptions } from './channel/publish';
export { finishArchiving } from './channel/finish-archiving';
export { readPackageOnce } from './channel/package-cache';
export { readIndex } from './channel/read-index';
export { packageProblems } from './package/checks';
export { createPackage } from './package/create';
export { sha1File } from './package/read';
export { makeTempDir, withTempDir } from './fs/temp-dir';
export { LOCK_FILE, LockTimeoutError } from './repository/lock';
export { bootId, isAlive, processStartTime, selfIdentity } from './fs/process-identity';
export { DEFAULT_PACKAGE_LIMITS, PackageLimitError, setPackageLimits, type PackageLimits } from './package/limits';
export { verifyChannel } from './channel/verify';
export { LocalChannel } from './repository/local';
export { openRepository } from './repository/open';
export { CHANNEL_NAMES, type ChannelBackend, type ChannelName, type PublishOutcome, type PublishRequest, type Repository } from './repository/backend';
/** the variable holding the bearer token for uploads to a provd-repo server (PROVD_REPOSITORY=http(s)://...) */
export { TOKEN_ENV } from './repository/http-upload';
