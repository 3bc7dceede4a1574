/** Packages read once per process, keyed by their bytes, and the size + SHA-1 of a file. */
import * as fsp from 'node:fs/promises';
import { sha1File, readPackage } from '../package/read';
import { PackageContents } from '../package/checks';
import { PLUGIN_INFO } from '../format/plugin-info';

/** The cache holds metadata only (members, plugin-info), bounded in bytes: a package with 100,000 members costs ~20 MB. */
export const PARSED_CACHE_BYTES = 32 * 1024 * 1024;
const parsedPackages = new Map<string, { pkg: PackageContents; bytes: number }>();
let cachedBytes = 0;

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
    return hit.pkg;
  }
  // Only <id>/plugin-info bytes are kept (package/limits.ts bounds them): memory stays flat whatever the firmware sizes.
  const kept: PackageContents = await readPackage(file, (name) => name.split('/').filter((p) => p && p !== '.').length === 2 && name.endsWith(`/${PLUGIN_INFO}`));
  remember(key, kept);
  return kept;
}

/** A rough size in memory: strings as UTF-16 plus a fixed cost per member object. */
function footprint(pkg: PackageContents): number {
  let bytes = 0;
  for (const m of pkg.members) bytes += 160 + 2 * (m.name.length + (m.linkTarget?.length ?? 0) + m.uname.length + m.gname.length);
  for (const m of pkg.members) bytes += pkg.read(m.name)?.length ?? 0;
  return bytes;
}

function remember(key: string, pkg: PackageContents): void {
  const bytes = footprint(pkg);
  if (bytes > PARSED_CACHE_BYTES / 4) return; // a huge listing is read again rather than crowding out the rest
  parsedPackages.set(key, { pkg, bytes });
  cachedBytes += bytes;
  while (cachedBytes > PARSED_CACHE_BYTES) {
    const [oldest, entry] = parsedPackages.entries().next().value!;
    parsedPackages.delete(oldest);
    cachedBytes -= entry.bytes;
  }
}

export async function fileFacts(file: string): Promise<{ size: number; sha1: string }> {
  const [st, sha1] = await Promise.all([fsp.stat(file), sha1File(file)]);
  return { size: st.size, sha1 };
}
