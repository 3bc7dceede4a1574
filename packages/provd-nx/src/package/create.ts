/** Creating a package: the sorted tree, written as tar, compressed with bzip2, hashed on the way. */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { listPluginTree } from './tree';
import { tarStream, readExactly } from './tar';
import { coalesce } from './coalesce';
import { runBzip2, BZIP2_LEVEL } from './compression';
import { checkPluginId } from '../format/plugin-id';
import { tempSiblingName } from '../fs/temp-name';

export async function createPackage(
  pluginDir: string,
  pluginId: string,
  destFile: string,
  /** names a member in errors (default: its path in pluginDir) */
  describe?: (rel: string) => string,
): Promise<{ file: string; size: number; sha1: string }> {
  checkPluginId(pluginId);
  const root = path.resolve(pluginDir);
  const entries = await listPluginTree(root, describe);
  const file = path.resolve(destFile);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // Same directory so the rename is atomic; a failed build leaves no package behind.
  const tmp = path.join(path.dirname(file), tempSiblingName(path.basename(file), `${process.pid}.${randomBytes(6).toString('hex')}.tmp`));
  const hash = createHash('sha1');
  let size = 0;
  try {
    // Byte mode keeps the read-ahead to ~1 MiB instead of 16 chunks of object mode.
    const tar = Readable.from(
      coalesce(tarStream(pluginId, entries, (e) => readExactly(path.join(root, e.path), e.size)), 1 << 16),
      { objectMode: false, highWaterMark: 1 << 20 },
    );
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true });
    await runBzip2([BZIP2_LEVEL, '-c'], tar, out, (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  return { file, size, sha1: hash.digest('hex') };
}
