/**
 * At start-up, after the temp sweep: a server killed in a publish, after the index was
 * written and before the superseded packages reached the archive, left them in the channel,
 * unindexed. Each channel finishes that move under its lock, so that every package an upload
 * was acknowledged for is either indexed or archived.
 */
import * as path from 'node:path';
import { finishArchiving, LocalChannel, LockTimeoutError } from './domain';
import { servedChannelNames } from './channels';
import { ARCHIVE } from './names';
import { tempArea } from './temp-area';

export async function finishInterruptedPublishes(root: string, log: (line: string) => void, lockTimeoutMs: number): Promise<void> {
  const archive = new LocalChannel(path.join(root, ARCHIVE));
  for (const name of await servedChannelNames(root)) {
    if (name === ARCHIVE) continue;
    try {
      const moved = await finishArchiving(new LocalChannel(path.join(root, name)), archive, { timeoutMs: lockTimeoutMs, log, tempRoot: tempArea(root) });
      if (moved.length) log(`${name}: moved ${moved.join(', ')} to ${ARCHIVE}/ (superseded by a publish a stop interrupted)`);
    } catch (e) {
      // a live writer holds the lock: it archives what it superseded itself
      if (!(e instanceof LockTimeoutError)) throw e;
      log(`${name}: lock busy at start-up, superseded packages left for the next publish to archive`);
    }
  }
}
