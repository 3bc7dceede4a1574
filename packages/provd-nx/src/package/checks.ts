/** What a package must hold for provd to install it, checked against its index entry. */
import { parseJson } from '../format/python-json';
import { PackageEntry, resolveSymlinkInTree } from './tree';
import { PackageMember } from './read';
import { PLUGIN_INFO } from '../format/plugin-info';
import { JsonObject, isJsonObject, jsonEqual } from '../format/python-json';

export interface PackageContents {
  members: PackageMember[];
  read(name: string): Buffer | undefined;
}

/**
 * What provd (Python tarfile) would trip over or be fooled by: anything but one top-level
 * folder named after the id, absolute or `..` names, symlinks leaving the folder, links and
 * devices, and, given `expectedInfo`, a plugin-info that differs from it.
 */
export function packageProblems(pluginId: string, pkg: PackageContents, expectedInfo?: JsonObject): string[] {
  const problems: string[] = [];
  if (!pkg.members.length) return ['the package is empty'];
  const tops = new Set<string>();
  const entries: PackageEntry[] = [];
  let infoMember: PackageMember | undefined;
  for (const m of pkg.members) {
    const shown = JSON.stringify(m.name);
    if (m.name.startsWith('/')) {
      problems.push(`member ${shown} has an absolute name`);
      continue;
    }
    const parts = m.name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) {
      problems.push(`member ${shown} contains '..': it would be extracted outside the plugin folder`);
      continue;
    }
    if (!parts.length) continue;
    tops.add(parts[0]);
    if (m.type === 'other') problems.push(`member ${shown} is not a regular file, directory or symlink`);
    if (parts.length === 1) {
      if (m.type !== 'directory') problems.push(`top-level member ${shown} is not a directory`);
      continue;
    }
    if (parts[0] !== pluginId || m.type === 'other') continue;
    const rel = parts.slice(1).join('/');
    entries.push({ path: rel, type: m.type, mode: m.mode, size: m.size, linkTarget: m.linkTarget });
    if (rel === PLUGIN_INFO && m.type === 'file') infoMember = m;
    // provd opens <id>/plugin-info: through a link it would read another file than the one checked here
    else if (rel === PLUGIN_INFO) problems.push(`${pluginId}/${PLUGIN_INFO} is a ${m.type}, not a regular file`);
  }
  if (tops.size !== 1 || !tops.has(pluginId)) {
    problems.push(`expected exactly one top-level folder named ${pluginId}, found: ${[...tops].sort().join(', ') || 'none'}`);
  }
  const byPath = new Map(entries.map((e) => [e.path, e] as const));
  for (const e of entries) {
    if (e.type !== 'symlink') continue;
    const target = e.linkTarget ?? '';
    const shown = `symlink ${pluginId}/${e.path} -> ${JSON.stringify(target)}`;
    if (target.startsWith('/')) {
      problems.push(`${shown} is absolute`);
      continue;
    }
    try {
      if (resolveSymlinkInTree(e.path, byPath) === null) problems.push(`${shown} resolves outside the plugin folder`);
    } catch (err) {
      problems.push(`${shown}: ${(err as Error).message}`);
    }
  }
  if (expectedInfo) {
    const data = infoMember ? pkg.read(infoMember.name) : undefined;
    if (!data) {
      problems.push(`the package has no ${pluginId}/${PLUGIN_INFO}`);
    } else {
      try {
        const info = parseJson(data.toString('utf8'), `${pluginId}/${PLUGIN_INFO}`);
        if (!isJsonObject(info)) problems.push(`${pluginId}/${PLUGIN_INFO} is not a JSON object`);
        else if (!jsonEqual(info, expectedInfo)) {
          const keys = [...new Set([...Object.keys(info), ...Object.keys(expectedInfo)])]
            .filter((k) => !jsonEqual(info[k], expectedInfo[k]))
            .sort();
          problems.push(`${pluginId}/${PLUGIN_INFO} in the package differs from the index entry (${keys.join(', ')})`);
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return problems;
}
