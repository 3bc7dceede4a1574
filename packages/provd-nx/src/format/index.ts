/** What provd defines, as one import: re-exported by `@provd/nx` and `@provd/nx/repository`. */
export { MAX_PLUGIN_ID_LENGTH, PLUGIN_ID_RULE, PluginIdError, checkPluginId, pluginIdProblem } from './plugin-id';
export { PLUGIN_INFO, REQUIRED_INFO_KEYS, PluginInfoError, parsePluginInfo, readPluginInfo, withVersion, type PluginInfo } from './plugin-info';
export { JsonNumber, isJsonObject, jsonEqual, parseJson, serializeJson, toPlain, type JsonObject, type JsonValue } from './python-json';
export { checkVersion, compareVersions, isVersion, newestVersion, nextVersion, parseVersion, type Bump, type ProvdVersion } from './provd-version';
export { packageFileName, packageFileVersion, packagePath } from './package-name';
export { checkPathComponent } from './path-component';
export { familyOfId } from './family-of-id';
export { INDEX_FILE, REQUIRED_INDEX_KEYS, entryPluginInfo, entryProblems, indexEntry, parseIndex, serializeIndex, type ChannelIndex, type IndexEntry } from './plugins-db';
