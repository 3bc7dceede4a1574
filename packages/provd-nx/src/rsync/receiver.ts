/**
 * The receiver side of a local rsync run (main.c get_local_name, generator.c/receiver.c),
 * verified differentially against the real binary in the specs, and runRsyncCopy tying both sides.
 */
import { constants as fsConstants } from 'node:fs';
import { metadataFs as fs } from '../fs/metadata-fs';
import type { BigIntStats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { RsyncCopy } from './argv';
import { Entry, errText, Lister } from './sender';
import { tempSiblingName } from '../fs/temp-name';

export interface RunRsyncOptions {
  /**
   * Called with every source path (top-level, file, dir, symlink) before any fs call touches it.
   * `follows`: the copy reads through the path (a "dir/" source, which may be a symlink to a folder);
   * otherwise the path itself is copied (a symlink stays a link, or is skipped without -l).
   */
  guard?: (sourceAbsPath: string, follows: boolean) => void;
  /** Receives rsync's informational lines; defaults to stdout like rsync. */
  log?: (line: string) => void;
}

/** Raised after the copy finished the way rsync exits 23: everything else was transferred. */
export class RsyncCopyError extends Error {
  constructor(
    readonly problems: string[],
    readonly written: string[],
  ) {
    super(`rsync emulation: some files/attrs were not transferred:\n  ${problems.join('\n  ')}`);
    this.name = 'RsyncCopyError';
  }
}

const MODE_BITS = 0o7777;
const SETGID = 0o2000;

async function lstatOrNull(p: string): Promise<BigIntStats | null> {
  try {
    return await fs.lstat(p, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** libuv truncates utimes() to microseconds; +0.5us keeps float error from rounding down a step. */
function utimeSeconds(ns: bigint): number {
  const us = floorDiv(ns, 1000n);
  const sec = floorDiv(us, 1_000_000n);
  return Number(sec) + (Number(us - sec * 1_000_000n) + 0.5) / 1e6;
}

function floorDiv(a: bigint, b: bigint): bigint {
  return a / b - (a < 0n && a % b !== 0n ? 1n : 0n);
}

/** rsync's default comparison (modify_window 0): whole seconds. Used by the quick check. */
function sameSecond(a: bigint, b: bigint): boolean {
  return floorDiv(a, 1_000_000_000n) === floorDiv(b, 1_000_000_000n);
}

/**
 * rsync's exact comparison (after a checksum match). We can only set microseconds, so a
 * destination holding the source mtime truncated to microseconds (what we write) counts as equal.
 */
function sameExactly(src: bigint, dest: bigint): boolean {
  return src === dest || dest === floorDiv(src, 1000n) * 1000n;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const fa = await fs.open(a, 'r');
  const fb = await fs.open(b, 'r').catch(async (err: unknown) => {
    await fa.close();
    throw err;
  });
  try {
    const ba = Buffer.alloc(65536);
    const bb = Buffer.alloc(65536);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, null), fb.read(bb, 0, bb.length, null)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

class Receiver {
  readonly written: string[] = [];
  private readonly umask = process.umask();
  private readonly asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  constructor(
    private readonly copy: RsyncCopy,
    private readonly log: (line: string) => void,
    private readonly problems: string[],
  ) {}

  async apply(entry: Entry, dst: string, rel: string): Promise<void> {
    switch (entry.kind) {
      case 'dir':
        return this.applyDir(entry, dst, rel, null);
      case 'file':
        return this.applyFile(entry, dst, rel);
      case 'symlink':
        if (this.copy.links) return this.applySymlink(entry, dst, rel);
        break;
      case 'device':
        // rsync only recreates devices as root; otherwise it skips them like other specials.
        if (this.copy.devices && this.asRoot) throw new Error(`rsync emulation: cannot recreate device file ${entry.abs}`);
        break;
      case 'special':
        if (this.copy.specials) throw new Error(`rsync emulation: cannot recreate special file ${entry.abs}`);
        break;
    }
    this.log(`skipping non-regular file "${entry.name}"`);
  }

  /**
   * `destRoot` is given when `entry` is the "." of a "dir/" source landing on the destination
   * directory itself; if we just created that directory rsync treats it like a new one.
   */
  async applyDir(entry: Entry, dst: string, rel: string, destRoot: { created: boolean } | null): Promise<void> {
    let isNew: boolean;
    if (destRoot) {
      isNew = destRoot.created;
    } else {
      const lst = await lstatOrNull(dst);
      isNew = !lst || !lst.isDirectory();
      try {
        if (lst && !lst.isDirectory()) await fs.unlink(dst);
        // 0700 while filling it; the final mode is set afterwards (as rsync does for read-only dirs).
        if (isNew) await fs.mkdir(dst, { mode: 0o700 });
      } catch (err) {
        this.problems.push(`recv_generator: mkdir "${dst}" failed: ${errText(err)}`);
        return;
      }
    }
    this.written.push(rel);
    const keys = [...entry.children.keys()].sort();
    for (const k of keys) await this.apply(entry.children.get(k)!, path.join(dst, k), rel === '.' ? k : `${rel}/${k}`);

    const current = await fs.stat(dst, { bigint: true });
    let mode: number | null = null;
    if (this.copy.perms) mode = Number(entry.st.mode) & MODE_BITS;
    // Without -p a new dir gets the source mode less the umask; a setgid bit inherited from the
    // parent stays (rsync leaves it), existing dirs are left alone.
    else if (isNew) mode = (Number(entry.st.mode) & 0o777 & ~this.umask) | (Number(current.mode) & SETGID);
    await this.finishAttrs(dst, entry, current, mode, false);
  }

  async applyFile(entry: Entry, dst: string, rel: string): Promise<void> {
    const lst = await lstatOrNull(dst);
    const src = entry.st;
    if (lst?.isFile() && (await this.upToDate(entry, dst, lst))) {
      await this.finishAttrs(dst, entry, lst, this.copy.perms ? Number(src.mode) & MODE_BITS : null, false, this.copy.checksum);
      this.written.push(rel);
      return;
    }
    let mode: number;
    if (lst?.isFile()) {
      mode = this.copy.perms ? Number(src.mode) & MODE_BITS : Number(lst.mode) & MODE_BITS;
    } else {
      if (lst && !(await this.makeWay(dst, lst, rel, 'regular file'))) return;
      mode = this.copy.perms ? Number(src.mode) & MODE_BITS : Number(src.mode) & 0o777 & ~this.umask;
    }
    // Like rsync: write a temp file next to the target, set its attributes, rename it into place.
    const tmp = path.join(path.dirname(dst), tempSiblingName(path.basename(dst), randomBytes(4).toString('hex')));
    try {
      await fs.copyFile(entry.abs, tmp, fsConstants.COPYFILE_EXCL);
      await this.finishAttrs(tmp, entry, null, mode, false);
      await fs.rename(tmp, dst);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      this.problems.push(`cannot write "${dst}" from "${entry.abs}": ${errText(err)}`);
      return;
    }
    this.written.push(rel);
  }

  async applySymlink(entry: Entry, dst: string, rel: string): Promise<void> {
    const lst = await lstatOrNull(dst);
    const target = entry.target ?? '';
    if (lst?.isSymbolicLink() && (await fs.readlink(dst)) === target) {
      await this.finishAttrs(dst, entry, lst, null, true);
      this.written.push(rel);
      return;
    }
    if (lst && !(await this.makeWay(dst, lst, rel, 'symlink'))) return;
    try {
      await fs.symlink(target, dst);
      await this.finishAttrs(dst, entry, await fs.lstat(dst, { bigint: true }), null, true);
    } catch (err) {
      this.problems.push(`symlink "${dst}" -> "${target}" failed: ${errText(err)}`);
      return;
    }
    this.written.push(rel);
  }

  /** rsync without --force/--delete only removes empty directories in the way. */
  private async makeWay(dst: string, lst: BigIntStats, rel: string, what: string): Promise<boolean> {
    try {
      if (lst.isDirectory()) await fs.rmdir(dst);
      else await fs.unlink(dst);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') this.problems.push(`cannot delete non-empty directory: ${rel}`);
      else this.problems.push(`delete of "${dst}" failed: ${errText(err)}`);
      this.problems.push(`could not make way for new ${what}: ${rel}`);
      return false;
    }
  }

  private async upToDate(entry: Entry, dst: string, lst: BigIntStats): Promise<boolean> {
    if (lst.size !== entry.st.size) return false;
    if (this.copy.checksum) return sameContent(entry.abs, dst);
    if (this.copy.ignoreTimes) return false;
    return sameSecond(entry.st.mtimeNs, lst.mtimeNs);
  }

  /**
   * Ownership first (chown clears setuid bits), then mode, then times. `current` is null for a
   * freshly written temp file, whose mtime is always set; otherwise rsync leaves an mtime in the
   * same second alone, except after a checksum match where it compares exactly.
   */
  private async finishAttrs(p: string, entry: Entry, current: BigIntStats | null, mode: number | null, isLink: boolean, exactTimes = false): Promise<void> {
    const src = entry.st;
    if (this.asRoot && (this.copy.owner || this.copy.group)) {
      const cur = current ?? (await fs.lstat(p, { bigint: true }));
      const uid = this.copy.owner && cur.uid !== src.uid ? Number(src.uid) : -1;
      const gid = this.copy.group && cur.gid !== src.gid ? Number(src.gid) : -1;
      if (uid !== -1 || gid !== -1) {
        await fs.lchown(p, uid, gid);
        if (mode === null && !isLink) mode = Number(cur.mode) & MODE_BITS;
      }
    }
    if (mode !== null && !isLink && (!current || (Number(current.mode) & MODE_BITS) !== mode)) await fs.chmod(p, mode);
    if (this.copy.times) {
      if (current && (exactTimes ? sameExactly : sameSecond)(src.mtimeNs, current.mtimeNs)) return;
      const t = utimeSeconds(src.mtimeNs);
      const a = utimeSeconds(src.atimeNs);
      if (isLink) await fs.lutimes(p, a, t);
      else await fs.utimes(p, a, t);
    }
  }
}

/**
 * Run a parsed copy the way a local rsync would. Returns destination-relative paths of every
 * transferred item ('.' is the destination itself). Per-item failures (e.g. a non-empty directory
 * where a file must go) do not stop the copy; they are thrown together at the end as an
 * RsyncCopyError, matching rsync's exit code 23. Fatal setup problems throw a plain Error first.
 */
export async function runRsyncCopy(copy: RsyncCopy, cwd: string, opts: RunRsyncOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const log = copy.quiet ? () => undefined : (opts.log ?? ((line: string) => void process.stdout.write(`${line}\n`)));
  const list = await new Lister(copy, cwd, opts.guard, log, problems).list();
  const receiver = new Receiver(copy, log, problems);

  // rsync counts the first file list (top-level items plus the contents of "dir/" sources) and,
  // if that holds a single item, the next one: one item means "copy to that name", not "into".
  let fileTotal = (list.dot ? 1 : 0) + list.children.size;
  const only = fileTotal === 1 ? (list.dot ?? [...list.children.values()][0]) : null;
  if (only && only !== list.dot && only.kind === 'dir') fileTotal += only.children.size;

  const trailingSlash = copy.dest.endsWith('/');
  const destAbs = path.resolve(cwd, copy.dest);
  let destStat: BigIntStats | null = null;
  try {
    destStat = await fs.stat(destAbs, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`rsync emulation: cannot stat destination ${destAbs}: ${errText(err)}`);
  }

  let intoDir: { created: boolean } | null = null;
  if (destStat?.isDirectory()) {
    intoDir = { created: false };
  } else if (destStat) {
    if (trailingSlash) throw new Error(`rsync emulation: cannot stat destination "${copy.dest}": Not a directory`);
    if (fileTotal > 1) throw new Error('rsync emulation: destination must be a directory when copying more than 1 file');
    if (fileTotal === 1 && only?.kind === 'dir') throw new Error('rsync emulation: cannot overwrite non-directory with a directory');
  } else if (fileTotal > 1 || trailingSlash) {
    try {
      await fs.mkdir(destAbs, { mode: 0o777 }); // the last component only, like rsync without --mkpath
    } catch (err) {
      throw new Error(`rsync emulation: mkdir ${destAbs} failed: ${errText(err)}`);
    }
    intoDir = { created: true };
  }

  if (intoDir) {
    if (list.dot) {
      list.dot.children = list.children;
      await receiver.applyDir(list.dot, destAbs, '.', intoDir);
    } else {
      const keys = [...list.children.keys()].sort();
      for (const k of keys) await receiver.apply(list.children.get(k)!, path.join(destAbs, k), k);
    }
  } else if (only) {
    await receiver.apply(only, destAbs, '.');
  }

  if (problems.length) throw new RsyncCopyError(problems, receiver.written);
  return receiver.written;
}
