import { ChannelBackend } from '../repository/backend';
import { ChannelIndex, INDEX_FILE, parseIndex } from '../format/plugins-db';

/** A channel's plugins.db; an empty index when the channel has none yet. */
export async function readIndex(channel: ChannelBackend): Promise<ChannelIndex> {
  const text = await channel.readText(INDEX_FILE);
  return text === null ? new Map() : parseIndex(text, `${channel.location}/${INDEX_FILE}`);
}
