import type * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { sha1File } from '../src/package/read';

/** Every file under `root` (dot files included) with its SHA-1, and its mtime if asked: "unchanged" means byte for byte. */
export async function snapshotFiles(root: string, opts: { mtime?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else out[path.relative(root, abs)] = opts.mtime ? `${await sha1File(abs)} ${(await fsp.stat(abs)).mtimeMs}` : await sha1File(abs);
    }
  };
  await walk(root);
  return out;
}
