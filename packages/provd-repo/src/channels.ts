/**
 * Which channels a server has: the folders under its root with a channel's name. A channel
 * exists only when created on purpose (`provd-repo init`, or a fresh root's standard channels):
 * a write to any other name is refused (404), whatever the token may write, so a typo never
 * starts a channel provd would be pointed at.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ARCHIVE, checkChannelName } from './names';
export { channelNames as servedChannelNames } from './catalog';
import { HttpError } from './http-error';

/** What a new repository starts with. */
export const STANDARD_CHANNELS = ['testing', 'stable', ARCHIVE] as const;

/** A write target: an existing channel that is not the archive (in any case: `ARCHIVE` is the archive too). */
export async function writableChannel(root: string, channel: string): Promise<string> {
  if (channel.toLowerCase() === ARCHIVE) throw new HttpError(400, `${ARCHIVE} only receives the packages publish supersedes`);
  const st = await fsp.stat(path.join(root, channel)).catch(() => null);
  if (!st?.isDirectory()) {
    throw new HttpError(404, `no channel ${channel} on this server: channels are created on purpose (provd-repo init --root <dir> --channel ${channel})`);
  }
  return channel;
}

/** Creates `channels` (and the root) if missing; returns those it created. */
export async function createChannels(root: string, channels: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const name of channels) {
    checkChannelName(name);
    const dir = path.join(root, name);
    if ((await fsp.stat(dir).catch(() => null))?.isDirectory()) continue;
    await fsp.mkdir(dir, { recursive: true });
    created.push(name);
  }
  return created;
}
