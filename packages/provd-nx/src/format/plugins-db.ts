/**
 * A channel's index, plugins.db: each plugin id to its package's plugin-info fields,
 * verbatim, plus `filename`, `dsize` and `sha1sum`.
 */
import { parseJson, serializeJson } from './python-json';
import { JsonValue, JsonObject, isJsonObject, newObject, JsonNumber } from './python-json';
import { packageFileName, packageFileVersion } from './package-name';
import { compareVersions } from './provd-version';

export const INDEX_FILE = 'plugins.db';
/** provd rejects an entry missing any of these, and with it every install from the channel. */
export const REQUIRED_INDEX_KEYS = ['capabilities', 'description', 'version', 'dsize', 'filename', 'sha1sum'];
/** Keys the index adds to the plugin-info fields. */
export const PACKAGE_KEYS = ['filename', 'dsize', 'sha1sum'] as const;

/**
 * plugin id -> entry. Entries are kept as parsed, even malformed ones, so that publishing
 * one plugin passes every other entry through untouched (verifyChannel reports them).
 */
export type ChannelIndex = Map<string, JsonValue>;
export type IndexEntry = JsonObject;

export function parseIndex(text: string, where: string): ChannelIndex {
  const data = parseJson(text, where);
  if (!isJsonObject(data)) throw new Error(`${where}: must be a JSON object mapping plugin ids to entries`);
  return new Map(Object.entries(data));
}

export function serializeIndex(index: ChannelIndex): string {
  const obj = newObject();
  for (const [id, entry] of index) obj[id] = entry;
  return serializeJson(obj);
}

export function indexEntry(index: ChannelIndex, pluginId: string): IndexEntry | undefined {
  const entry = index.get(pluginId);
  return isJsonObject(entry) ? entry : undefined;
}

/** The plugin-info part of an entry: the entry minus filename, dsize and sha1sum. */
export function entryPluginInfo(entry: IndexEntry): JsonObject {
  const info = newObject();
  for (const [k, v] of Object.entries(entry)) if (!(PACKAGE_KEYS as readonly string[]).includes(k)) info[k] = v;
  return info;
}

export function makeEntry(info: JsonObject, filename: string, size: number, sha1: string): IndexEntry {
  const entry = newObject();
  Object.assign(entry, info);
  entry.filename = filename;
  entry.dsize = new JsonNumber(String(size));
  entry.sha1sum = sha1;
  return entry;
}

/** provd version order (version/provd-version.ts), re-exported for the channel's importers. */
export { compareVersions };

/** Problems of one index entry on its own (no file access). */
export function entryProblems(pluginId: string, entry: JsonValue | undefined): string[] {
  if (!isJsonObject(entry)) return ['the index entry is not a JSON object'];
  const problems: string[] = [];
  const missing = REQUIRED_INDEX_KEYS.filter((k) => !(k in entry));
  if (missing.length) problems.push(`missing required key(s) ${missing.join(', ')}: provd rejects the whole channel`);
  const { version, filename, dsize, sha1sum, description, capabilities } = entry;
  if ('version' in entry && typeof version !== 'string') problems.push('"version" is not a string');
  if ('description' in entry && typeof description !== 'string') problems.push('"description" is not a string');
  if ('capabilities' in entry && !isJsonObject(capabilities)) problems.push('"capabilities" is not an object');
  if ('dsize' in entry && !(dsize instanceof JsonNumber && /^\d+$/.test(dsize.text))) problems.push('"dsize" is not a byte count');
  if ('sha1sum' in entry && !(typeof sha1sum === 'string' && /^[0-9a-f]{40}$/.test(sha1sum))) {
    problems.push('"sha1sum" is not a lowercase hex SHA-1');
  }
  if (typeof version === 'string' && 'filename' in entry) {
    let expected: string | undefined;
    try {
      expected = packageFileName(pluginId, version);
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (expected !== undefined && filename !== expected) {
      problems.push(`filename ${JSON.stringify(filename)} should be ${JSON.stringify(expected)}`);
    }
  }
  return problems;
}

/** Whether some entry of the index names this package file. */
export function isReferenced(index: ChannelIndex, filename: string): boolean {
  for (const e of index.values()) if (isJsonObject(e) && e.filename === filename) return true;
  return false;
}

/** Packages of `pluginId` in the channel that its indexed version superseded. */
export function supersededFiles(names: readonly string[], index: ChannelIndex, pluginId: string): string[] {
  const entry = indexEntry(index, pluginId);
  if (!entry || typeof entry.version !== 'string') return [];
  const current = entry.version;
  const referenced = new Set<string>();
  for (const e of index.values()) if (isJsonObject(e) && typeof e.filename === 'string') referenced.add(e.filename);
  return names.filter((name) => {
    const v = packageFileVersion(name, pluginId, index.keys());
    // Only older ones: an unindexed newer file is another publisher's upload in flight.
    return v !== null && !referenced.has(name) && compareVersions(v, current) < 0;
  });
}
