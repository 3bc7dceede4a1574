/** The standard empty folders provd expects in every plugin, unless the recipe says std_dirs=False. */
import { lstatSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isWithin } from '../fs/within';
import { BuildError } from './build-error';
import { realpath } from './family-guard';

export const STD_DIRS = ['var', 'var/cache', 'var/installed', 'var/templates', 'var/tftpboot'];

/**
 * The standard folders, made as the reference builder makes them (os.makedirs, through
 * symlinks), where nothing stands in their way: a file, or a symlink to nothing or out of
 * the plugin (following it would make folders outside the build), is a BuildError naming it.
 */
export async function makeStdDirs(out: string, describe: (rel: string) => string, where: string): Promise<void> {
  const realOut = realpath(out);
  const blocked = (rel: string, why: string) =>
    new BuildError(`${where}: '${describe(rel)}' ${why}, where the standard folder ${rel}/ goes (@target(..., std_dirs=False) leaves the standard folders out)`);
  for (const dir of STD_DIRS) {
    const abs = join(out, dir);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      // missing (its parent was checked before it)
      await fsp.mkdir(abs).catch((e: Error) => {
        throw new BuildError(`${where}: cannot make the standard folder ${dir}/: ${e.message}`);
      });
      continue;
    }
    if (st.isSymbolicLink()) {
      let real: string;
      try {
        real = realpath(abs);
      } catch {
        throw blocked(dir, 'is a symlink to nothing');
      }
      if (!isWithin(real, realOut)) throw blocked(dir, `is a symlink leading outside the plugin folder (${real})`);
      if (!lstatSync(real).isDirectory()) throw blocked(dir, 'is a symlink to a file');
    } else if (!st.isDirectory()) {
      throw blocked(dir, st.isFile() ? 'is a file' : 'is not a folder');
    }
  }
}
