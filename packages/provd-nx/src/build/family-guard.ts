/**
 * Sources must stay in the family folder: what a recipe copies or reads is refused when it
 * leads out of it, the same way whether the model is replayed natively or run by python3.
 */
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isWithin } from '../fs/within';
import { BuildError } from './build-error';

/** Refuses a source leading out of the family; `follows`: the copy reads through it (a 'dir/' source, a folder the recipe reads). */
export type FamilyGuard = (source: string, follows?: boolean) => void;

export function familyGuard(familyDir: string, where: string): FamilyGuard {
  const realFamily = realpath(familyDir);
  return (source, follows = true) => {
    const real = existsSync(source) ? realpath(source) : source;
    if (isWithin(real, realFamily)) return;
    // a symlink copied as a link (or skipped, without -l) is never followed: where it sits counts here,
    // where it points is judged in the plugin by the package check
    if (!follows && isSymlink(source) && isWithin(join(realpath(dirname(source)), basename(source)), realFamily)) return;
    throw new BuildError(`${where}: '${relative(familyDir, source)}' leads outside the family folder (${real})`);
  };
}

/**
 * A recipe run by python3 may follow links as it copies (`rsync -L`, `shutil.copytree`), which
 * would put files from outside the family into the package. So a link under a folder it reads
 * that resolves outside the family is refused, naming the link, whether or not this recipe's
 * copies follow it (a link copied as a link would leave the plugin and be refused anyway).
 * Dangling and looping links name nothing to copy and pass.
 */
export function refuseLinksLeavingFamily(familyDir: string, folders: string[], where: string): void {
  const realFamily = realpath(familyDir);
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not a folder, unreadable: the copy reports it
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) {
        let real: string;
        try {
          real = realpath(path);
        } catch {
          continue;
        }
        if (!isWithin(real, realFamily)) {
          throw new BuildError(
            `${where}: '${relative(familyDir, path)}' is a symlink to ${real}, outside the family folder; python3 runs this ` +
              `recipe, and its copies may follow links (rsync -L, shutil.copytree): point the link inside the family, or remove it`
          );
        }
      } else if (e.isDirectory()) visit(path);
    }
  };
  for (const folder of folders) visit(folder);
}

/**
 * The OS's realpath: Node's own realpathSync resolves '..' after a symlink lexically
 * (`d/s -> .` and `d/l -> s/../x`: it looks for d/x, the OS finds x) and fails on such links.
 */
export function realpath(path: string): string {
  return realpathSync.native(path);
}

export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
