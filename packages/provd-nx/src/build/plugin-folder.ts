/**
 * The unpacked plugin folder `<distDir>/plugins/<id>/`, for people who look at
 * what was built. provd needs only the package, so the folder is not a cached
 * output (storing and restoring it cost more than the whole build): a build
 * writes it, and after a run every build that came from the cache gets its
 * folder back from its package when the folder is missing or from another build.
 * A stamp beside the folder (`.<id>.built-from`) holds the SHA-1 of the package it
 * was built with or unpacked from: any build (a build task, or the version task's
 * rebuild after a bump) writes it, so a folder never passes for another package.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { scanPackage, sha1File } from '../package/read';
import { runPool } from '../runtime/pool';

export function stampFile(pluginsDir: string, pluginId: string): string {
  return join(pluginsDir, `.${pluginId}.built-from`);
}

async function readStamp(pluginsDir: string, pluginId: string): Promise<string | null> {
  try {
    return (await fsp.readFile(stampFile(pluginsDir, pluginId), 'utf8')).trim();
  } catch {
    return null;
  }
}

/** Unpack `packageFile` (one top directory named `pluginId`) into `<pluginsDir>/<pluginId>`, replacing it. */
export async function unpackPluginFolder(packageFile: string, pluginId: string, pluginsDir: string): Promise<void> {
  await fsp.mkdir(pluginsDir, { recursive: true });
  // Unpacked beside its final place, then renamed: never a half-written folder.
  const work = await fsp.mkdtemp(join(pluginsDir, `.${pluginId}.`));
  try {
    // Streamed member by member: a 200 MB firmware is copied, never held in memory.
    await scanPackage(packageFile, async (m, body) => {
      if (m.name !== pluginId && !m.name.startsWith(`${pluginId}/`)) {
        throw new Error(`${packageFile}: member '${m.name}' is outside the top directory ${pluginId}/`);
      }
      if (m.name.split('/').includes('..')) throw new Error(`${packageFile}: member '${m.name}' climbs out with '..'`);
      const dest = join(work, m.name);
      if (m.type === 'directory') await fsp.mkdir(dest, { recursive: true, mode: m.mode });
      else if (m.type === 'file') await pipeline(body!, createWriteStream(dest, { mode: m.mode, flags: 'wx' }));
      else if (m.type === 'symlink') await fsp.symlink(m.linkTarget!, dest);
      else throw new Error(`${packageFile}: member '${m.name}' is not a file, directory or symlink`);
    });
    const finalDir = join(pluginsDir, pluginId);
    await fsp.rm(finalDir, { recursive: true, force: true });
    await fsp.rename(join(work, pluginId), finalDir);
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

/** Record that the folder of `pluginId` is the one of the package with this SHA-1. */
export async function writeStamp(pluginsDir: string, pluginId: string, sha1: string): Promise<void> {
  await fsp.writeFile(stampFile(pluginsDir, pluginId), sha1 + '\n');
}

export interface FinishedBuild {
  pluginId: string;
  /** the package the model's current version names */
  packageFile: string;
}

/**
 * After a run: unpack the folder of every finished build whose stamp names
 * another package (a cache hit, or a folder left by another version). Returns the ids unpacked.
 */
export async function syncPluginFolders(pluginsDir: string, builds: FinishedBuild[]): Promise<string[]> {
  const unpacked: string[] = [];
  await runPool(builds, async (b) => {
    const sha1 = await sha1File(b.packageFile);
    const current = (await readStamp(pluginsDir, b.pluginId)) === sha1;
    if (current && (await fsp.stat(join(pluginsDir, b.pluginId)).catch(() => null))?.isDirectory()) return;
    await unpackPluginFolder(b.packageFile, b.pluginId, pluginsDir);
    await writeStamp(pluginsDir, b.pluginId, sha1);
    unpacked.push(b.pluginId);
  });
  return unpacked.sort();
}
