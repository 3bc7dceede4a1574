/** Packages read once per process, keyed by their bytes, and the size + SHA-1 of a file. */
import * as fsp from 'node:fs/promises';
import { sha1File, readPackage } from '../package/read';
import { PackageContents } from '../package/checks';
import { PLUGIN_INFO } from '../format/plugin-info';

const PARSED_CACHE_SIZE = 32;
const parsedPackages = new Map<string, PackageContents>();

/**
 * readPackage, memoized by the bytes' SHA-1: a package's members are a function of its bytes,
 * so publish-then-verify in one process decompresses each package once. Only the members
 * and the plugin-info contents are kept.
 */
export async function readPackageOnce(file: string, sha1?: string): Promise<PackageContents> {
  const key = sha1 ?? (await sha1File(file));
  const hit = parsedPackages.get(key);
  if (hit) {
    parsedPackages.delete(key); // most recently used last
    parsedPackages.set(key, hit);
    return hit;
  }
  // Only plugin-info bytes are kept: memory stays flat whatever the firmware sizes.
  const kept: PackageContents = await readPackage(file, (name) => name.endsWith(`/${PLUGIN_INFO}`));
  parsedPackages.set(key, kept);
  if (parsedPackages.size > PARSED_CACHE_SIZE) parsedPackages.delete(parsedPackages.keys().next().value!);
  return kept;
}

export async function fileFacts(file: string): Promise<{ size: number; sha1: string }> {
  const [st, sha1] = await Promise.all([fsp.stat(file), sha1File(file)]);
  return { size: st.size, sha1 };
}
