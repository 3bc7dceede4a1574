/**
 * Whether a model's current sources are released: its built package compared with the
 * package a channel holds for the same id. A model needs a new version exactly when the
 * channel holds its current version with other contents (every member: name, type,
 * mode, bytes, link target; plugin-info with its version value set aside). Released
 * under an older version, or not at all, the current version is simply unreleased.
 *
 * Contents, not SHA-1s: a package built by another tool (or an older builder) with the
 * same files is the same release. A released package's content digest is cached by its
 * sha1sum, so repeated runs download and decompress nothing.
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { indexEntry } from '../format/plugins-db';
import { readIndex } from './read-index';
import { compareVersions } from '../format/provd-version';
import { withTempDir } from '../fs/temp-dir';
import { buffer } from 'node:stream/consumers';
import { scanPackage, sha1File } from '../package/read';
import { PLUGIN_INFO, withVersion } from '../format/plugin-info';
import type { ChannelBackend } from '../repository/backend';

export type ReleaseState =
  /** nothing released under this version (none at all, or an older one) */
  | { kind: 'unreleased'; released?: string }
  /** released under this version with the same contents */
  | { kind: 'released'; released: string; sameBytes: boolean }
  /** released under this version with other contents: needs a bump */
  | { kind: 'changed'; released: string }
  /**
   * the channel holds a newer version than the source (a bump not committed, then lost):
   * with the same contents the source takes that version, else the next version passes it
   */
  | { kind: 'behind'; released: string; sameContents: boolean };

export function needsBump(state: ReleaseState): boolean {
  return state.kind === 'changed' || state.kind === 'behind';
}

/**
 * Digest of a package's contents. The version value of plugin-info is replaced by a
 * placeholder, so two packages that differ only by version have the same digest.
 */
export async function contentDigest(file: string, pluginId: string): Promise<string> {
  const lines: [string, string][] = [];
  // Streamed: each file is hashed as it is decompressed, only plugin-info is held whole.
  await scanPackage(file, async (m, body) => {
    const bytes = createHash('sha1');
    if (body && m.name === `${pluginId}/${PLUGIN_INFO}`) {
      let data = await buffer(body);
      try {
        data = Buffer.from(withVersion(data.toString('utf8'), '', m.name));
      } catch {
        // no version string: compared as it is
      }
      bytes.update(data);
    } else if (body) {
      for await (const chunk of body) bytes.update(chunk);
    }
    lines.push([m.name, `${JSON.stringify(m.name)} ${m.type} ${m.mode.toString(8)} ${JSON.stringify(m.linkTarget ?? '')} ${bytes.digest('hex')}\n`]);
  });
  const hash = createHash('sha256');
  for (const [, line] of lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(line);
  return hash.digest('hex');
}

/**
 * Where digests are cached: a folder, or folders read in order of which only the first is
 * written (a dry run reads dist/'s cache and writes its own scratch one).
 */
export type DigestCache = string | readonly string[];

const cacheDirs = (cache: DigestCache): readonly string[] => (typeof cache === 'string' ? [cache] : cache);

async function readCachedDigest(cache: DigestCache, key: string): Promise<string | null> {
  for (const dir of cacheDirs(cache)) {
    try {
      return (await fsp.readFile(path.join(dir, key), 'utf8')).trim();
    } catch {
      // not cached there
    }
  }
  return null;
}

/** contentDigest, cached on disk by the package's SHA-1 (a digest is a function of the bytes). */
export async function cachedDigest(file: string, pluginId: string, cache: DigestCache, sha1?: string): Promise<string> {
  const key = `${sha1 ?? (await sha1File(file))}-${pluginId}`;
  const known = await readCachedDigest(cache, key);
  if (known !== null) return known;
  const digest = await contentDigest(file, pluginId);
  const dir = cacheDirs(cache)[0];
  const cached = path.join(dir, key);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, digest + '\n');
  await fsp.rename(tmp, cached);
  return digest;
}

/** The local cache of released packages' digests (`distDir` relative to the workspace, or absolute). */
export function digestCacheDir(workspaceRoot: string, distDir: string): string {
  return path.resolve(workspaceRoot, distDir, '.provd', 'digests');
}

/**
 * The release state of `builtPackage` (the current sources of `pluginId` at `version`)
 * against `channel`. Throws when the channel cannot be read: the caller decides the fallback.
 */
export async function releaseState(
  channel: ChannelBackend,
  pluginId: string,
  version: string,
  builtPackage: string,
  cacheDir: DigestCache,
): Promise<ReleaseState> {
  const entry = indexEntry(await readIndex(channel), pluginId);
  const released = typeof entry?.version === 'string' ? entry.version : undefined;
  if (!entry || released === undefined) return { kind: 'unreleased' };
  const order = compareVersions(released, version);
  if (order < 0) return { kind: 'unreleased', released };
  const builtSha1 = await sha1File(builtPackage);
  if (order === 0 && entry.sha1sum === builtSha1) return { kind: 'released', released, sameBytes: true };
  const theirs = typeof entry.sha1sum === 'string' ? entry.sha1sum : undefined;
  const mine = await cachedDigest(builtPackage, pluginId, cacheDir, builtSha1);
  const same = (await releasedDigest(channel, entry.filename, theirs, pluginId, cacheDir)) === mine;
  if (order > 0) return { kind: 'behind', released, sameContents: same };
  return same ? { kind: 'released', released, sameBytes: false } : { kind: 'changed', released };
}

async function releasedDigest(channel: ChannelBackend, filename: unknown, sha1: string | undefined, pluginId: string, cacheDir: DigestCache): Promise<string | null> {
  if (sha1) {
    const known = await readCachedDigest(cacheDir, `${sha1}-${pluginId}`);
    if (known !== null) return known;
  }
  if (typeof filename !== 'string') return null;
  return withTempDir('provd-channel-', async (tmp) => {
    const local = path.join(tmp, 'released.tar.bz2');
    if (!(await channel.download(filename, local))) return null;
    const actual = await sha1File(local);
    // cache under the file's real SHA-1: an entry that lies about it is verify's business
    const digest = await cachedDigest(local, pluginId, cacheDir, actual);
    return digest;
  });
}

/** Words for a state, for logs and tables. */
export function describeState(state: ReleaseState, channelName: string): string {
  switch (state.kind) {
    case 'unreleased':
      return state.released ? `unreleased (${channelName} has ${state.released})` : `unreleased (not in ${channelName})`;
    case 'released':
      return `released in ${channelName}`;
    case 'changed':
      return `${state.released} is in ${channelName} with other contents`;
    case 'behind':
      return state.sameContents
        ? `already released as ${state.released} in ${channelName}, same contents`
        : `${channelName} has a newer ${state.released} with other contents`;
  }
}
