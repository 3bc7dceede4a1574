/** Verifying a channel the way provd will consume it. */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodePoints, isJsonObject, JsonNumber } from '../format/python-json';
import { INDEX_FILE, ChannelIndex, parseIndex, entryProblems, entryPluginInfo } from '../format/plugins-db';
import { fileFacts, readPackageOnce } from './package-cache';
import { withTempDir } from '../fs/temp-dir';
import { ChannelBackend } from '../repository/backend';
import { PackageContents, packageProblems } from '../package/checks';
import { packageFileVersion } from '../format/package-name';

export interface ChannelProblem {
  pluginId?: string;
  file?: string;
  problem: string;
}

export function formatProblem(p: ChannelProblem): string {
  const what = [p.pluginId, p.file && p.file !== p.pluginId ? `(${p.file})` : undefined].filter(Boolean).join(' ');
  return what ? `${what}: ${p.problem}` : p.problem;
}

/** Everything provd would reject or be hurt by, per entry; empty means clean. */
export async function verifyChannel(channel: ChannelBackend): Promise<ChannelProblem[]> {
  const text = await channel.readText(INDEX_FILE);
  if (text === null) {
    const files = (await channel.list()).filter((f) => f !== INDEX_FILE);
    const problem = files.length
      ? `${channel.location}/${INDEX_FILE} is missing, but the channel holds ${files.length} file(s): provd cannot install from it`
      : `${channel.location}/${INDEX_FILE} is missing: nothing has been published to ${channel.location}`;
    return [{ file: INDEX_FILE, problem }];
  }
  let index: ChannelIndex;
  try {
    index = parseIndex(text, `${channel.location}/${INDEX_FILE}`);
  } catch (e) {
    return [{ file: INDEX_FILE, problem: (e as Error).message }];
  }
  const problems: ChannelProblem[] = [];
  await withTempDir('provd-channel-', async (tmpDir) => {
    for (const pluginId of [...index.keys()].sort(compareCodePoints)) {
      const entry = index.get(pluginId);
      const file = isJsonObject(entry) && typeof entry.filename === 'string' ? entry.filename : undefined;
      const add = (problem: string) => problems.push({ pluginId, ...(file !== undefined ? { file } : {}), problem });
      entryProblems(pluginId, entry).forEach(add);
      if (!isJsonObject(entry) || file === undefined) continue;
      let local: string;
      try {
        local = path.join(tmpDir, `${createHash('sha1').update(file).digest('hex')}.tar.bz2`);
        if (!(await channel.download(file, local))) {
          add(`${file} is missing from ${channel.location}`);
          continue;
        }
      } catch (e) {
        add(`cannot download ${file}: ${(e as Error).message}`);
        continue;
      }
      try {
        const { size, sha1 } = await fileFacts(local);
        if (entry.dsize instanceof JsonNumber && entry.dsize.text !== String(size)) {
          add(`dsize ${entry.dsize.text} does not match the file's ${size} bytes`);
        }
        if (typeof entry.sha1sum === 'string' && entry.sha1sum !== sha1) {
          add(`sha1sum ${entry.sha1sum} does not match the file's ${sha1}`);
        }
        let pkg: PackageContents | undefined;
        try {
          pkg = await readPackageOnce(local, sha1);
        } catch (e) {
          add(`${file} is not a readable .tar.bz2 package (${(e as Error).message})`);
        }
        if (pkg) packageProblems(pluginId, pkg, entryPluginInfo(entry)).forEach(add);
      } finally {
        await fsp.rm(local, { force: true });
      }
    }
  });
  return problems;
}

/**
 * The archive keeps superseded packages and has no index: each file must still be
 * a package provd could install under the id and version its name carries.
 */
export async function verifyArchive(channel: ChannelBackend, knownIds: Iterable<string> = []): Promise<ChannelProblem[]> {
  const ids = [...knownIds];
  const problems: ChannelProblem[] = [];
  await withTempDir('provd-archive-', async (tmpDir) => {
    for (const file of (await channel.list()).filter((f) => f !== INDEX_FILE).sort(compareCodePoints)) {
      const local = path.join(tmpDir, 'package.tar.bz2');
      try {
        if (!(await channel.download(file, local))) continue; // moved away meanwhile
        const pluginId = archivedPluginId(file, ids);
        if (!pluginId) {
          problems.push({ file, problem: 'is not named <plugin-id>-<version>.tar.bz2' });
          continue;
        }
        let pkg: PackageContents;
        try {
          pkg = await readPackageOnce(local);
        } catch (e) {
          problems.push({ pluginId, file, problem: `is not a readable .tar.bz2 package (${(e as Error).message})` });
          continue;
        }
        for (const problem of packageProblems(pluginId, pkg)) problems.push({ pluginId, file, problem });
      } finally {
        await fsp.rm(local, { force: true });
      }
    }
  });
  return problems;
}

/** The plugin id an archived file name carries: the longest known id that names it, else the part before the last `-<digit>`. */
function archivedPluginId(file: string, knownIds: string[]): string | null {
  const known = knownIds.filter((id) => packageFileVersion(file, id, knownIds) !== null).sort((a, b) => b.length - a.length)[0];
  if (known) return known;
  const m = /^(.+?)-(\d[^-]*)\.tar\.bz2$/.exec(file);
  return m ? m[1] : null;
}
