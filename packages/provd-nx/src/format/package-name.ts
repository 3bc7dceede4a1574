/** Package file names: `<plugin-id>-<version>.tar.bz2`. */
import { checkPluginId } from './plugin-id';
import { isVersion } from './provd-version';

export function checkPathComponent(what: string, value: string): void {
  if (!value || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
    throw new Error(`invalid ${what} for a package: ${JSON.stringify(value)}`);
  }
}

export function packageFileName(pluginId: string, version: string): string {
  checkPluginId(pluginId);
  checkPathComponent('version', version);
  return `${pluginId}-${version}.tar.bz2`;
}

/** The version a package file name carries for `pluginId`, or null if it is not one of its packages. */
export function packageFileVersion(name: string, pluginId: string, knownIds: Iterable<string> = []): string | null {
  const suffix = '.tar.bz2';
  if (!name.startsWith(`${pluginId}-`) || !name.endsWith(suffix)) return null;
  const version = name.slice(pluginId.length + 1, -suffix.length);
  if (!isVersion(version)) return null;
  // "xivo-aastra-3.3.1-1.0.0.tar.bz2" is plugin xivo-aastra-3.3.1's, not xivo-aastra's 3.3.1-1.0.0.
  for (const other of knownIds) {
    if (other.length > pluginId.length && other.startsWith(`${pluginId}-`) && packageFileVersion(name, other) !== null) return null;
  }
  return version;
}
