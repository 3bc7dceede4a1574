/** The file list of a local rsync run (the sender side): what each source contributes, filtered. */
import { metadataFs as fs } from '../fs/metadata-fs';
import type { BigIntStats } from 'node:fs';
import * as path from 'node:path';
import { RsyncCopy } from './argv';
import { isExcluded } from './filter';
import { decodeName } from '../fs/file-name';

type Kind = 'dir' | 'file' | 'symlink' | 'device' | 'special';

export interface Entry {
  /** Path relative to the transfer root, as rsync names it in messages ('.' for "dir/" roots). */
  name: string;
  abs: string;
  kind: Kind;
  st: BigIntStats;
  target?: string;
  children: Map<string, Entry>;
}

/** What lands in the destination directory: the "." entry of "dir/" sources plus everything else. */
interface FileList {
  dot: Entry | null;
  children: Map<string, Entry>;
}

function kindOf(st: BigIntStats): Kind {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'special';
}

/**
 * rsync keeps one entry per name: a directory beats a non-directory, otherwise the first source
 * wins, and same-named directories merge their contents (attributes from the first).
 */
function mergeEntry(into: Map<string, Entry>, key: string, entry: Entry): void {
  const old = into.get(key);
  if (!old) {
    into.set(key, entry);
  } else if (old.kind === 'dir' && entry.kind === 'dir') {
    for (const [k, child] of entry.children) mergeEntry(old.children, k, child);
  } else if (entry.kind === 'dir') {
    into.set(key, entry);
  }
}

/** Only filesystem errors become rsync-style problems; anything else (a guard refusal) propagates. */
function fsProblem(err: unknown): string {
  if (!(err as NodeJS.ErrnoException)?.code) throw err;
  return errText(err);
}

export function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}: ${e.message}` : String(err);
}

export class Lister {
  constructor(
    private readonly copy: RsyncCopy,
    private readonly cwd: string,
    private readonly guard: ((p: string, follows: boolean) => void) | undefined,
    private readonly log: (line: string) => void,
    private readonly problems: string[],
  ) {}

  async list(): Promise<FileList> {
    const list: FileList = { dot: null, children: new Map() };
    for (const raw of this.copy.sources) {
      const entry = await this.top(raw);
      if (!entry) continue;
      if (entry.name === '.') {
        if (!list.dot) list.dot = entry;
        for (const [k, child] of entry.children) mergeEntry(list.children, k, child);
      } else {
        mergeEntry(list.children, entry.name, entry);
      }
    }
    return list;
  }

  private async top(raw: string): Promise<Entry | null> {
    const abs = path.resolve(this.cwd, raw);
    // "dir/", "dir/." and "." transfer the contents; rsync stats "dir/." which follows a symlink.
    const dot = raw.endsWith('/') || raw === '.' || raw.endsWith('/.');
    this.guard?.(abs, dot);
    let st: BigIntStats;
    try {
      if (dot) {
        st = await fs.stat(abs, { bigint: true });
        if (!st.isDirectory()) {
          this.problems.push(`change_dir "${abs}" failed: Not a directory`);
          return null;
        }
      } else {
        st = await fs.lstat(abs, { bigint: true });
      }
    } catch (err) {
      this.problems.push(`link_stat "${abs}" failed: ${fsProblem(err)}`);
      return null;
    }
    const name = dot ? '.' : path.basename(abs);
    // The "." of a "dir/" source is never filtered; named top-level items are.
    if (!dot && isExcluded(name, st.isDirectory(), this.copy.rules)) return null;
    if (st.isDirectory() && !this.copy.recursive) {
      this.log(`skipping directory ${name}`);
      return null;
    }
    return this.entry(name, abs, st);
  }

  private async entry(name: string, abs: string, st: BigIntStats): Promise<Entry | null> {
    const entry: Entry = { name, abs, kind: kindOf(st), st, children: new Map() };
    try {
      if (entry.kind === 'symlink') entry.target = await fs.readlink(abs);
      if (entry.kind === 'dir') await this.readDir(entry);
    } catch (err) {
      this.problems.push(`cannot read "${abs}": ${fsProblem(err)}`);
      return entry.kind === 'dir' ? entry : null;
    }
    return entry;
  }

  private async readDir(dir: Entry): Promise<void> {
    // names read as bytes: one that is not UTF-8 is named as such, not reported missing
    const dirents = (await fs.readdir(dir.abs, { withFileTypes: true, encoding: 'buffer' })).map((d) => ({
      name: decodeName(d.name, path.join(dir.abs, d.name.toString('latin1'))),
      isDirectory: () => d.isDirectory(),
    }));
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      const name = dir.name === '.' ? d.name : `${dir.name}/${d.name}`;
      // Excluded directories are pruned: rsync never looks inside them.
      if (isExcluded(name, d.isDirectory(), this.copy.rules)) continue;
      const abs = path.join(dir.abs, d.name);
      this.guard?.(abs, false);
      let st: BigIntStats;
      try {
        st = await fs.lstat(abs, { bigint: true });
      } catch (err) {
        this.problems.push(`link_stat "${abs}" failed: ${fsProblem(err)}`);
        continue;
      }
      const child = await this.entry(name, abs, st);
      if (child) dir.children.set(d.name, child);
    }
  }
}
