/** Whether a file under the root really is there: its real path, symlinks resolved, stays inside the root's. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** The real path of `file` when it exists and lies inside `root`'s real path; else null. */
export async function realPathInside(root: string, file: string): Promise<string | null> {
  const [realRoot, real] = await Promise.all([fsp.realpath(root).catch(() => null), fsp.realpath(file).catch(() => null)]);
  return realRoot && real && real.startsWith(realRoot + path.sep) ? real : null;
}
