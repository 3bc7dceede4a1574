import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createPackage } from '../src/package/create';
import { packageFileName } from '../src/format/package-name';

/** A package built by a spec from a tiny plugin folder, with the plugin-info it holds. */
export interface TestPackage {
  pluginId: string;
  version: string;
  file: string;
  infoFile: string;
  infoText: string;
}

let builds = 0;

/**
 * Writes `<root>/src/<n>/<id>/` (plugin-info `info`, entry.py `entry`, an optional hard-linked
 * firmware.bin) and packages it as `<root>/pkg/<n>/<id>-<version>.tar.bz2`; `packageId` names the
 * top folder when a spec wants it wrong.
 */
export async function buildTestPackage(
  root: string,
  pluginId: string,
  version: string,
  opts: { info: string; entry: string; bigFile?: string; packageId?: string },
): Promise<TestPackage> {
  const n = builds++;
  const dir = path.join(root, 'src', `${n}`, pluginId);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'plugin-info'), opts.info);
  await fsp.writeFile(path.join(dir, 'entry.py'), opts.entry);
  if (opts.bigFile) await fsp.link(opts.bigFile, path.join(dir, 'firmware.bin'));
  const file = path.join(root, 'pkg', `${n}`, packageFileName(pluginId, version));
  await createPackage(dir, opts.packageId ?? pluginId, file);
  return { pluginId, version, file, infoFile: path.join(dir, 'plugin-info'), infoText: opts.info };
}
