import type * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { sha1File } from '../src/package/read';

/**
 * Every file under `root` (dot files included) with its SHA-1, and its mtime if asked: "unchanged" means
 * byte for byte. With `dirs`, folders too (`<rel>/`, with their mtime if asked) and symlinks (their target):
 * a folder made, or a file added and removed again, also counts as a change.
 */
export async function snapshotFiles(root: string, opts: { mtime?: boolean; dirs?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(root, abs);
      if (e.isDirectory()) {
        if (opts.dirs) out[`${rel}/`] = opts.mtime ? `dir ${(await fsp.stat(abs)).mtimeMs}` : 'dir';
        await walk(abs);
      } else if (e.isSymbolicLink() && opts.dirs) out[rel] = `-> ${await fsp.readlink(abs)}`;
      else out[rel] = opts.mtime ? `${await sha1File(abs)} ${(await fsp.stat(abs)).mtimeMs}` : await sha1File(abs);
    }
  };
  await walk(root);
  return out;
}
