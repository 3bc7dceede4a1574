import { existsSync, lstatSync, promises as fsp, realpathSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { PLUGIN_INFO } from './plugin-info';
import { runRsyncCopy } from '../rsync/receiver';
import { buildTargetWithPython } from '../recipe/recipe';
import { isWithin } from '../recipe/family';
import { Model, modelVersion, pluginInfoPath } from './model';
import { packageFileName, packageFileVersion } from '../package/naming';
import { createPackage } from '../package/create';
import { writeStamp } from './plugin-folder';
import { profiled } from '../utils/profile';

/** The standard empty folders provd expects in every plugin, unless the recipe says std_dirs=False. */
export const STD_DIRS = ['var', 'var/cache', 'var/installed', 'var/templates', 'var/tftpboot'];

export interface BuiltModel {
  pluginId: string;
  version: string;
  pluginDir: string;
  packageFile: string;
  size: number;
  sha1: string;
  replay: 'native' | 'python';
}

export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

/** Build one model into <distDir>/plugins/<id>/ and package it into <distDir>/packages/. */
export async function buildModel(
  workspaceRoot: string,
  model: Model,
  distDir: string,
  /** every plugin id of the workspace: tells `x-3.3.1-1.0.0.tar.bz2` (id x-3.3.1) from a package of id `x` */
  knownIds: Iterable<string> = []
): Promise<BuiltModel> {
  const familyDir = join(workspaceRoot, model.familyRoot);
  const realFamily = realpath(familyDir);
  const where = `target '${model.targetId}' (${model.pluginId}) of ${model.familyRoot}/build.py`;
  const infoFile = pluginInfoPath(model);
  const version = modelVersion(workspaceRoot, model);

  const pluginsDir = join(workspaceRoot, distDir, 'plugins');
  const packagesDir = join(workspaceRoot, distDir, 'packages');
  await fsp.mkdir(pluginsDir, { recursive: true });
  await fsp.mkdir(packagesDir, { recursive: true });
  const finalDir = join(pluginsDir, model.pluginId);
  // Built beside its final place, then renamed: a failed build leaves nothing behind.
  const work = await fsp.mkdtemp(join(pluginsDir, `.${model.pluginId}.`));
  const out = join(work, model.pluginId);
  const fileName = packageFileName(model.pluginId, version);
  let pkg: Awaited<ReturnType<typeof createPackage>>;
  /** Refuses a source leading out of the family; `follows`: the copy reads through it (a 'dir/' source, a folder the recipe reads). */
  const guard = (source: string, follows = true) => {
    const real = existsSync(source) ? realpath(source) : source;
    if (isWithin(real, realFamily)) return;
    // a symlink copied as a link (or skipped, without -l) is never followed: where it sits counts here,
    // where it points is judged in the plugin by the package check
    if (!follows && isSymlink(source) && isWithin(join(realpath(dirname(source)), basename(source)), realFamily)) return;
    throw new BuildError(`${where}: '${relative(familyDir, source)}' leads outside the family folder (${real})`);
  };
  try {
    await profiled(model.replay === 'native' ? 'build: copy steps (native)' : 'build: recipe run by python3', async () => {
      if (model.replay === 'native') {
        await fsp.mkdir(out);
        for (const { copy } of model.steps) {
          const dest = resolve(out, copy.dest);
          if (!isWithin(dest, out)) throw new BuildError(`${where}: copy destination '${copy.dest}' is outside the plugin folder`);
          try {
            // ignoreTimes: rsync's quick check (same size, same mtime second: skip) would let checkout
            // mtimes decide whether a later step overlays an earlier one; the recipe means overlay.
            await runRsyncCopy({ ...copy, dest: dest + sep, ignoreTimes: true }, familyDir, { guard, log: () => undefined });
          } catch (e) {
            if (e instanceof BuildError) throw e;
            throw new BuildError(`${where}: copy step 'rsync ${copy.sources.join(' ')} $OUT/${copy.dest}' failed: ${(e as Error).message}`);
          }
        }
      } else {
        // what the recipe reads (common/, the model folder...) is refused here too when it is a symlink out
        // of the family, as the native replay refuses it: the same tree must not build one way and not the other
        for (const top of model.reads) if (top !== '.') guard(join(familyDir, top));
        const result = await buildTargetWithPython(familyDir, model.targetId, out, false);
        if (result.error) {
          const stderr = result.error.stderr ? `\n${result.error.stderr}` : '';
          throw new BuildError(`${where}: ${result.error.message}${stderr}`);
        }
      }
      if (model.stdDirs) await makeStdDirs(out, (rel) => sourceOf(rel, model, familyDir), where);
    });
    if (!existsSync(join(out, PLUGIN_INFO))) {
      throw new BuildError(`${where}: the built plugin has no plugin-info (expected from ${infoFile})`);
    }
    // packaged before it replaces the last build: a refused tree leaves nothing behind in dist
    try {
      pkg = await profiled('build: package (tar | bzip2 -9)', () =>
        createPackage(out, model.pluginId, join(packagesDir, fileName), (rel) => sourceOf(rel, model, familyDir))
      );
    } catch (e) {
      throw new BuildError(`${where}: ${(e as Error).message}`);
    }
    await fsp.rm(finalDir, { recursive: true, force: true });
    await fsp.rename(out, finalDir);
    await writeStamp(pluginsDir, model.pluginId, pkg.sha1);
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
  await removeStalePackages(packagesDir, model.pluginId, fileName, knownIds);
  return {
    pluginId: model.pluginId,
    version: version,
    pluginDir: finalDir,
    packageFile: pkg.file,
    size: pkg.size,
    sha1: pkg.sha1,
    replay: model.replay,
  };
}

/**
 * The standard folders, made as the reference builder makes them (os.makedirs, through
 * symlinks), where nothing stands in their way: a file, or a symlink to nothing or out of
 * the plugin (following it would make folders outside the build), is a BuildError naming it.
 */
async function makeStdDirs(out: string, describe: (rel: string) => string, where: string): Promise<void> {
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

/** Packages of older versions of this id left in dist/packages would be published by mistake. */
async function removeStalePackages(packagesDir: string, pluginId: string, keep: string, knownIds: Iterable<string>): Promise<void> {
  const ids = [...knownIds];
  for (const name of await fsp.readdir(packagesDir)) {
    if (name !== keep && packageFileVersion(name, pluginId, ids) !== null) await fsp.rm(join(packagesDir, name), { force: true });
  }
}

/**
 * The source file a built member most likely came from, for messages: the last folder
 * the recipe copies (later copies overlay earlier ones) that holds that path.
 */
function sourceOf(rel: string, model: Model, familyDir: string): string {
  for (const folder of [...model.reads].reverse()) {
    if (lexists(join(familyDir, folder, rel))) return posix.join(model.familyRoot, folder, rel);
  }
  return `${rel} (made by the recipe)`;
}

/**
 * The OS's realpath: Node's own realpathSync resolves '..' after a symlink lexically
 * (`d/s -> .` and `d/l -> s/../x`: it looks for d/x, the OS finds x) and fails on such links.
 */
function realpath(path: string): string {
  return realpathSync.native(path);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
