import { readIndex } from './read-index';
import { archiveSuperseded } from './publish';
import { withTempDir } from '../fs/temp-dir';
import type { ChannelBackend, LockOptions } from '../repository/backend';
import { supersededFiles } from '../format/plugins-db';

/**
 * Step 4 of a publish (publish.ts) for every plugin of a channel: a publisher killed after
 * writing the index and before moving what it superseded left those packages in the channel,
 * unindexed. A server starting, or anyone tidying the channel, finishes that move, under the
 * lock, so that every package a publish acknowledged is either indexed or archived.
 */
export async function finishArchiving(
  channel: ChannelBackend,
  archive: ChannelBackend,
  opts: { log?: (line: string) => void; tempRoot?: string } & LockOptions = {}
): Promise<string[]> {
  const log = opts.log ?? (() => undefined);
  const release = await channel.lock('finish archiving', { ...opts, log });
  try {
    const index = await readIndex(channel);
    const files = await channel.list();
    const behind = [...index.keys()].filter((id) => supersededFiles(files, index, id).length > 0);
    if (!behind.length) return [];
    return await withTempDir(
      'provd-channel-',
      async (tmpDir) => {
        const moved: string[] = [];
        for (const pluginId of behind) moved.push(...(await archiveSuperseded(channel, index, pluginId, archive, tmpDir, log)));
        return moved;
      },
      opts.tempRoot
    );
  } finally {
    await release();
  }
}
