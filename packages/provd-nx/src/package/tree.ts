/** The plugin tree a package holds: listed, sorted like GNU tar --sort=name, modes normalized, symlinks checked. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeName } from '../fs/file-name';

/** Linux gives up path resolution after 40 symlinks; so does the tree check. */
const MAX_SYMLINK_HOPS = 40;

export interface PackageEntry {
  /** Relative to the plugin folder, '/'-separated, no trailing slash. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** Bytes of content; 0 for directories and symlinks. */
  size: number;
  linkTarget?: string;
}

/**
 * Byte order of the UTF-8 path components, the order of GNU tar's --sort=name: a
 * directory comes right before its contents ('a', 'a/z', 'a-b'). Independent of
 * locale and of JS's UTF-16 string order. Mapping '/' to NUL, which no name can
 * contain, makes a plain byte comparison do exactly that.
 */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(sortKey(a), sortKey(b));
}

function sortKey(p: string): Buffer {
  return Buffer.from(p.replaceAll('/', '\0'), 'utf8');
}

/** Modes that do not depend on umask or checkout: only "is any x bit set" survives. */
export function normalizeMode(type: PackageEntry['type'], statMode: number): number {
  if (type === 'directory') return 0o755;
  if (type === 'symlink') return 0o777;
  return statMode & 0o111 ? 0o755 : 0o644;
}

/**
 * Where a symlink at `linkPath` points inside the tree, following the tree's own
 * symlinks on the way like the OS would (a purely lexical check can be fooled by
 * `d/s -> .` plus `d/x -> s/../..`). Returns the resolved relative path ('' for
 * the plugin folder itself) or null when the target leaves the plugin folder.
 * A component missing from the tree is taken lexically: the OS would fail there.
 * A link whose resolution loops (`x -> x/y`: more than 40 links on the way) leads
 * nowhere, the OS fails with ELOOP; like a loop of last components (`a -> b`,
 * `b -> a`) it is kept as a link, judged by its target taken lexically.
 */
export function resolveSymlinkInTree(
  linkPath: string,
  byPath: ReadonlyMap<string, PackageEntry>,
): string | null {
  const link = byPath.get(linkPath);
  if (!link || link.type !== 'symlink' || link.linkTarget === undefined) {
    throw new Error(`${linkPath}: not a symlink of the tree`);
  }
  let hops = 0;
  const loop = Symbol('loop');
  const walk = (dir: string[], target: string, followLast: boolean, follow: boolean): string[] | null => {
    if (target.startsWith('/')) return null;
    const cur = [...dir];
    const parts = target.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part === '..') {
        if (cur.length === 0) return null;
        cur.pop();
        continue;
      }
      cur.push(part);
      const entry = follow ? byPath.get(cur.join('/')) : undefined;
      const isLast = i === parts.length - 1;
      // The last component is not followed: that symlink is checked on its own.
      if (entry?.type === 'symlink' && entry.linkTarget !== undefined && (!isLast || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) throw loop;
        cur.pop();
        const next = walk(cur, entry.linkTarget, true, true);
        if (next === null) return null;
        cur.splice(0, cur.length, ...next);
      }
    }
    return cur;
  };
  const dir = linkPath.split('/').slice(0, -1);
  let resolved: string[] | null;
  try {
    resolved = walk(dir, link.linkTarget, false, true);
  } catch (e) {
    if (e !== loop) throw e;
    resolved = walk(dir, link.linkTarget, false, false);
  }
  return resolved === null ? null : resolved.join('/');
}

/**
 * Validates the entries (symlinks stay inside the plugin folder) and sorts them.
 * `describe` turns a relative path into what the error names (the source path).
 */
export function sortAndCheckEntries(
  entries: readonly PackageEntry[],
  describe: (rel: string) => string = (rel) => rel,
): PackageEntry[] {
  // keys made once per entry, not twice per comparison
  const sorted = entries
    .map((entry) => ({ entry, key: sortKey(entry.path) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((k) => k.entry);
  const byPath = new Map(sorted.map((e) => [e.path, e] as const));
  for (const e of sorted) {
    if (e.type !== 'symlink') continue;
    const target = e.linkTarget ?? '';
    if (target.startsWith('/')) {
      throw new Error(`${describe(e.path)}: symlink target ${JSON.stringify(target)} is absolute`);
    }
    if (resolveSymlinkInTree(e.path, byPath) === null) {
      throw new Error(
        `${describe(e.path)}: symlink target ${JSON.stringify(target)} resolves outside the plugin folder`,
      );
    }
  }
  return sorted;
}


/**
 * Every entry under the plugin folder, sorted and checked. A plain walk rather than fast-glob:
 * names are read as bytes so a name that is not UTF-8 is refused by name instead of mangled.
 * Synchronous calls: one lstat per entry of a small tree in the page cache costs less than
 * the thread-pool trip of an asynchronous one.
 */
export async function listPluginTree(pluginDir: string, describe?: (rel: string) => string): Promise<PackageEntry[]> {
  const root = path.resolve(pluginDir);
  if (!fs.statSync(root).isDirectory()) throw new Error(`${root}: plugin folder is not a directory`);
  const entries: PackageEntry[] = [];
  const walk = (rel: string): void => {
    const dirAbs = rel ? path.join(root, rel) : root;
    for (const raw of fs.readdirSync(dirAbs, { encoding: 'buffer' })) {
      const name = decodeName(raw, path.join(dirAbs, raw.toString('utf8')));
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, childRel);
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        entries.push({ path: childRel, type: 'directory', mode: normalizeMode('directory', st.mode), size: 0 });
        walk(childRel);
      } else if (st.isFile()) {
        entries.push({ path: childRel, type: 'file', mode: normalizeMode('file', st.mode), size: st.size });
      } else if (st.isSymbolicLink()) {
        const linkTarget = decodeName(fs.readlinkSync(abs, { encoding: 'buffer' }), `${abs} (symlink target)`);
        entries.push({ path: childRel, type: 'symlink', mode: normalizeMode('symlink', st.mode), size: 0, linkTarget });
      } else {
        throw new Error(`${abs}: not a regular file, directory or symlink`);
      }
    }
  };
  walk('');
  return sortAndCheckEntries(entries, describe ?? ((rel) => path.join(root, rel)));
}
