/** What the pages show, read from the channel folders under the root (read-only). */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { INDEX_FILE, isJsonObject, packageFileVersion, parseIndex, sha1File, toPlain } from './domain';
import { ARCHIVE, checkChannelName } from './names';
import { realPathInside } from './real-path';

export interface Entry {
  pluginId: string;
  version: string;
  description: string;
  filename: string;
  size: number | null;
  sha1: string;
  /** `Vendor Model` from each capabilities key (`Vendor, Model, Firmware`). */
  models: string[];
}

export interface Channel {
  name: string;
  /** null: no plugins.db. */
  entries: Map<string, Entry> | null;
  /** Set when plugins.db cannot be read. */
  error?: string;
}

export async function channelNames(root: string): Promise<string[]> {
  const dirents = await fsp.readdir(root, { withFileTypes: true }).catch(() => []);
  return dirents
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((n) => {
      try {
        return checkChannelName(n) === n;
      } catch {
        return false;
      }
    })
    .sort();
}

/** `"Snom, 820, 8.7.5"` -> `Snom 820`. */
export function modelOf(capabilityKey: string): string {
  const parts = capabilityKey.split(',').map((s) => s.trim());
  return parts.length >= 2 ? `${parts[0]} ${parts[1]}` : capabilityKey;
}

export async function readChannel(root: string, name: string): Promise<Channel> {
  let text: string;
  try {
    // a plugins.db reached through a symlink out of the root is not the repository's
    const file = await realPathInside(root, path.join(root, name, INDEX_FILE));
    if (!file) return { name, entries: null };
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return { name, entries: null };
  }
  let index;
  try {
    index = parseIndex(text, `${name}/${INDEX_FILE}`);
  } catch (e) {
    return { name, entries: null, error: (e as Error).message };
  }
  const entries = new Map<string, Entry>();
  for (const [pluginId, raw] of index) {
    const e = isJsonObject(raw) ? (toPlain(raw) as Record<string, unknown>) : {};
    const caps = e.capabilities && typeof e.capabilities === 'object' ? Object.keys(e.capabilities) : [];
    entries.set(pluginId, {
      pluginId,
      version: String(e.version ?? '?'),
      description: String(e.description ?? ''),
      filename: String(e.filename ?? ''),
      size: typeof e.dsize === 'number' ? e.dsize : null,
      sha1: String(e.sha1sum ?? ''),
      models: [...new Set(caps.map(modelOf))].sort(),
    });
  }
  return { name, entries };
}

export interface ArchivedFile {
  filename: string;
  version: string;
  size: number;
  sha1: string;
}

/** Packages of `pluginId` in the archive channel, newest first by name order of versions. */
export async function archivedVersions(root: string, pluginId: string, knownIds: Iterable<string>): Promise<ArchivedFile[]> {
  const dir = path.join(root, ARCHIVE);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const out: ArchivedFile[] = [];
  for (const filename of names) {
    if (filename.startsWith('.')) continue;
    const version = packageFileVersion(filename, pluginId, knownIds);
    if (version === null) continue;
    const file = path.join(dir, filename);
    const st = await fsp.lstat(file).catch(() => null); // lstat: no symlink, wherever it leads
    if (!st?.isFile()) continue;
    out.push({ filename, version, size: st.size, sha1: await sha1File(file) });
  }
  return out;
}

export interface ChannelFile {
  filename: string;
  size: number;
  /** The indexed plugin (of any channel) the file belongs to, when one matches its name. */
  pluginId?: string;
  version?: string;
}

/** The package files of a channel folder: for channels without plugins.db (the archive). */
export async function channelFiles(root: string, name: string, knownIds: ReadonlySet<string>): Promise<ChannelFile[]> {
  const dir = path.join(root, name);
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && n.endsWith('.tar.bz2')).sort();
  const out: ChannelFile[] = [];
  for (const filename of names) {
    const st = await fsp.lstat(path.join(dir, filename)).catch(() => null);
    if (!st?.isFile()) continue;
    let owner: { pluginId: string; version: string } | undefined;
    for (const id of knownIds) {
      const version = packageFileVersion(filename, id, knownIds);
      if (version !== null) owner = { pluginId: id, version };
    }
    out.push({ filename, size: st.size, ...owner });
  }
  return out;
}
