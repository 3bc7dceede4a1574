/**
 * Released names never change. provd checks a package only against the SHA-1 written in the
 * plugins.db of the channel it reads, so the repository is the one place that can promise
 * "`<plugin-id>-<version>` is these bytes, forever": a name that any channel of the repository
 * holds or indexes, the archive included, may be published again only with identical bytes.
 *
 * Every write path reaches this rule through publish.ts's placeCandidate: folder and rsync
 * publish, promote, rollback, and the server's PUT and promote POST (which run the same code on
 * the server). The target channel's own index and files are judged there already (same version
 * with other bytes, an unindexed leftover): here, every other channel.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { ChannelBackend } from '../repository/backend';
import { sha1File } from '../package/read';
import { INDEX_FILE } from '../format/plugins-db';
import { isJsonObject } from '../format/python-json';
import { readIndex } from './read-index';

/** Where a name was released with other bytes than the candidate's. */
export interface EarlierRelease {
  sha1: string;
  /** `<channel>/plugins.db (entry <id>)` or `<channel>/<file>` */
  where: string;
}

/** The channels to judge, once each, without `target`. */
function others(target: ChannelBackend, channels: readonly (ChannelBackend | undefined)[]): ChannelBackend[] {
  const seen = new Set([target.location]);
  const out: ChannelBackend[] = [];
  for (const c of channels) {
    if (!c || seen.has(c.location)) continue;
    seen.add(c.location);
    out.push(c);
  }
  return out;
}

/** Every place outside `target` where `filename` is held or indexed with bytes other than `sha1`. */
export async function earlierReleases(
  target: ChannelBackend,
  channels: readonly (ChannelBackend | undefined)[],
  filename: string,
  sha1: string,
  tmpDir: string,
): Promise<EarlierRelease[]> {
  const found: EarlierRelease[] = [];
  for (const channel of others(target, channels)) {
    for (const [id, entry] of await readIndex(channel)) {
      if (isJsonObject(entry) && entry.filename === filename && entry.sha1sum !== sha1) {
        found.push({ sha1: typeof entry.sha1sum === 'string' ? entry.sha1sum : '?', where: `${channel.location}/${INDEX_FILE} (entry ${id})` });
      }
    }
    if (!(await channel.list()).includes(filename)) continue;
    const local = path.join(tmpDir, `released-${randomBytes(6).toString('hex')}`);
    try {
      if (!(await channel.download(filename, local))) continue; // moved meanwhile: judged where it went, under the lock
      const theirs = await sha1File(local);
      if (theirs !== sha1) found.push({ sha1: theirs, where: `${channel.location}/${filename}` });
    } finally {
      await fsp.rm(local, { force: true });
    }
  }
  return found;
}

/** The refusal for a candidate whose name was released with other bytes, or null. */
export async function immutabilityRefusal(
  target: ChannelBackend,
  channels: readonly (ChannelBackend | undefined)[],
  c: { pluginId: string; version: string; filename: string; sha1: string },
  tmpDir: string,
): Promise<string | null> {
  const earlier = await earlierReleases(target, channels, c.filename, c.sha1, tmpDir);
  if (!earlier.length) return null;
  const list = earlier.map((e) => `sha1 ${e.sha1} in ${e.where}`).join(', ');
  return (
    `${c.pluginId} ${c.version} was released before with other bytes (${list}; this package: sha1 ${c.sha1}): ` +
    `a released name never changes, bump the version`
  );
}
