/** Package file names: `<plugin-id>-<version>.tar.bz2`. */
import { join } from 'node:path';
import { checkPluginId } from './plugin-id';
import { isVersion } from './provd-version';
import { checkPathComponent } from './path-component';



export function packageFileName(pluginId: string, version: string): string {
  checkPluginId(pluginId);
  checkPathComponent('package version', version);
  return `${pluginId}-${version}.tar.bz2`;
}

/** Where a build puts a model's package: `<dist>/packages/<id>-<version>.tar.bz2` (`dist` absolute or not, as given). */
export function packagePath(dist: string, pluginId: string, version: string): string {
  return join(dist, 'packages', packageFileName(pluginId, version));
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
