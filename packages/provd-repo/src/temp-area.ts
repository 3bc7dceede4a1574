/**
 * The server's temp data lives under its root, in `.tmp/` (never served: dot files are not),
 * so it shares the root's disk and quota and is found again: at start-up, whatever a killed
 * server left there (and the channels' own temp files and dead locks) is swept. Each folder is
 * named after its process (pid and start time), so a second server on the same root keeps its own.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { isAlive, LocalChannel, selfIdentity } from './domain';
import { servedChannelNames } from './channels';

export const TEMP_AREA = '.tmp';
const OWNED = /^(\d+)-(\d+|x)-[0-9a-f]+$/;

export function tempArea(root: string): string {
  return path.join(root, TEMP_AREA);
}

/** Sweeps what dead servers left and creates `.tmp/`; returns how many leftovers were removed. */
export async function prepareTempArea(root: string): Promise<number> {
  const area = tempArea(root);
  await fsp.mkdir(area, { recursive: true });
  let removed = 0;
  for (const name of await fsp.readdir(area)) {
    const m = OWNED.exec(name);
    if (m && isAlive({ pid: Number(m[1]), start: m[2] === 'x' ? null : m[2] })) continue;
    await fsp.rm(path.join(area, name), { recursive: true, force: true });
    removed++;
  }
  // temp files a killed publish left beside a channel's files, and locks of dead holders
  for (const channel of await servedChannelNames(root)) await new LocalChannel(path.join(root, channel)).tidy();
  return removed;
}

/** A fresh folder under `.tmp/` for `fn`, removed afterwards whatever happens. */
export async function withUploadDir<T>(root: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const { pid, start } = selfIdentity();
  const dir = path.join(tempArea(root), `${pid}-${start ?? 'x'}-${randomBytes(6).toString('hex')}`);
  await fsp.mkdir(dir, { recursive: true });
  try {
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
