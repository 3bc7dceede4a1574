import { existsSync, lstatSync, promises as fsp, readFileSync } from 'node:fs';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { PLUGIN_INFO } from '../format/plugin-info';
import { buildTargetInServer } from '../recipe/recipe-server';
import { BuildError } from './build-error';
import { NotReplayable, replayableHere, replaySteps } from './native-replay';
import { familyGuard, refuseLinksLeavingFamily } from './family-guard';
import { makeStdDirs } from './std-dirs';
import { Model, modelVersion, pluginInfoPath } from './model';
import { packagePath, packageFileVersion } from '../format/package-name';
import { isJsonObject, parseJson, type JsonValue } from '../format/python-json';
import { createPackage } from '../package/create';
import { writeStamp } from './plugin-folder';
import { profiled } from '../runtime/profile';
import { SNAPSHOT_DIR } from '../format/snapshot-dir';

export { BuildError } from './build-error';
export { STD_DIRS } from './std-dirs';

export interface BuiltModel {
  pluginId: string;
  version: string;
  pluginDir: string;
  packageFile: string;
  size: number;
  sha1: string;
  replay: 'native' | 'python';
}

/**
 * Build one model into <distDir>/plugins/<id>/ and package it into <distDir>/packages/
 * (`distDir` relative to the workspace, or absolute: a dry run's scratch folder).
 */
export async function buildModel(
  workspaceRoot: string,
  model: Model,
  distDir: string,
  /** every plugin id of the workspace: tells `x-3.3.1-1.0.0.tar.bz2` (id x-3.3.1) from a package of id `x` */
  knownIds: Iterable<string> = [],
  /** the names in dist/packages; a batch lists it once (executors/shared/context.ts), not once per model */
  listPackages: (packagesDir: string) => Promise<string[]> = (dir) => fsp.readdir(dir)
): Promise<BuiltModel> {
  const familyDir = join(workspaceRoot, model.familyRoot);
  const where = `target '${model.targetId}' (${model.pluginId}) of ${model.familyRoot}/build.py`;
  const infoFile = pluginInfoPath(model);
  const version = modelVersion(workspaceRoot, model);

  const dist = resolve(workspaceRoot, distDir);
  const pluginsDir = join(dist, 'plugins');
  const packageFile = packagePath(dist, model.pluginId, version);
  const packagesDir = dirname(packageFile);
  await fsp.mkdir(pluginsDir, { recursive: true });
  await fsp.mkdir(packagesDir, { recursive: true });
  const finalDir = join(pluginsDir, model.pluginId);
  // Built beside its final place, then renamed: a failed build leaves nothing behind.
  const work = await fsp.mkdtemp(join(pluginsDir, `.${model.pluginId}.`));
  const out = join(work, model.pluginId);
  const fileName = basename(packageFile);
  let pkg: Awaited<ReturnType<typeof createPackage>>;
  // steps a native replay cannot stand for here (NotReplayable) run the recipe under python3 instead
  let native = model.replay === 'native' && replayableHere(model.steps);
  try {
    if (native) {
      native = await profiled('build: native steps (copies, sed)', async () => {
        try {
          await replaySteps(model.steps, familyDir, out, where);
          return true;
        } catch (e) {
          if (!(e instanceof NotReplayable)) throw e;
          await fsp.rm(out, { recursive: true, force: true });
          return false;
        }
      });
    }
    if (!native) {
      await profiled('build: recipe run by python3', async () => {
        // what the recipe reads (common/, the model folder...) is refused here too when it is a symlink out
        // of the family, as the native replay refuses it: the same tree must not build one way and not the other
        const guard = familyGuard(familyDir, where);
        for (const top of model.reads) if (top !== '.') guard(join(familyDir, top));
        refuseLinksLeavingFamily(familyDir, model.reads.map((top) => join(familyDir, top)), where);
        const result = await buildTargetInServer(familyDir, model.targetId, out, false);
        if (result.error) {
          const stderr = result.error.stderr ? `\n${result.error.stderr}` : '';
          throw new BuildError(`${where}: ${result.error.message}${stderr}`);
        }
      });
    }
    // the test target's snapshots are reviewed with the code, never shipped to phones
    await fsp.rm(join(out, SNAPSHOT_DIR), { recursive: true, force: true });
    if (model.stdDirs) await makeStdDirs(out, (rel) => sourceOf(rel, model, familyDir), where);
    if (!existsSync(join(out, PLUGIN_INFO))) {
      throw new BuildError(`${where}: the built plugin has no plugin-info (expected from ${infoFile})`);
    }
    checkBuiltVersion(join(out, PLUGIN_INFO), version, where, infoFile);
    // packaged before it replaces the last build: a refused tree leaves nothing behind in dist
    try {
      pkg = await profiled('build: package (tar | bzip2 -9)', () =>
        createPackage(out, model.pluginId, packageFile, (rel) => sourceOf(rel, model, familyDir))
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
  await removeStalePackages(await listPackages(packagesDir), packagesDir, model.pluginId, fileName, knownIds);
  return {
    pluginId: model.pluginId,
    version: version,
    pluginDir: finalDir,
    packageFile: pkg.file,
    size: pkg.size,
    sha1: pkg.sha1,
    replay: native ? 'native' : 'python',
  };
}

/**
 * The plugin-info a recipe leaves in the plugin is the one provd reads, and the reference
 * builder names the package after its version: it must hold the model folder's version (a
 * recipe may write or template its own). Only what naming needs is checked here; publish and
 * verify check the rest.
 */
function checkBuiltVersion(file: string, version: string, where: string, infoFile: string): void {
  let data: JsonValue;
  try {
    data = parseJson(readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new BuildError(`${where}: the built plugin's plugin-info is not JSON (${(e as Error).message}); it must be ${infoFile} or hold its version`);
  }
  const built = isJsonObject(data) ? data.version : undefined;
  if (built !== version) {
    throw new BuildError(`${where}: the built plugin's plugin-info has version ${JSON.stringify(built)}, ${infoFile} has ${JSON.stringify(version)}`);
  }
}

/** Packages of older versions of this id left in dist/packages would be published by mistake. */
async function removeStalePackages(names: string[], packagesDir: string, pluginId: string, keep: string, knownIds: Iterable<string>): Promise<void> {
  const ids = [...knownIds];
  for (const name of names) {
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

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
