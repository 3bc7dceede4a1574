/**
 * The offline firmware checks: what provd would refuse or mis-install in a pkgs.db, found
 * without the network. Nx-free: the `check-firmware` executor and the `test` target call
 * the same functions. Every problem names the file, the section and the key.
 */
import { sync as globSync } from 'fast-glob';
import { join, posix, relative } from 'node:path';
import { readPkgsDbs, type FileEntry, type PkgsDb } from './pkgs-db';

export interface FirmwareProblem {
  /** the pkgs.db, workspace-relative when a workspace root was given */
  file: string;
  section: string | null;
  key: string | null;
  message: string;
}

import { PKGS_DB } from '../format/pkgs-db-path';

export { PKGS_DB };

/** `file [section] key: message` */
export function formatProblem(p: FirmwareProblem): string {
  return `${p.file}${p.section ? ` [${p.section}]` : ''}${p.key ? ` ${p.key}` : ''}: ${p.message}`;
}

const SHA1 = /^[0-9a-fA-F]{40}$/;
const SIZE = /^[1-9][0-9]*$/;

/** What fetchfw saves a file as: `filename:`, else the URL's last path segment (os.path.basename). */
export function savedName(f: Pick<FileEntry, 'filename' | 'url' | 'resolvedFilename'>): string {
  if (f.resolvedFilename !== undefined) return f.resolvedFilename;
  if (f.filename !== null) return f.filename;
  const url = f.url ?? '';
  return url.slice(url.lastIndexOf('/') + 1);
}

/** Why `name` is not a plain file name fetchfw can save inside its cache folder, or null. */
export function unsafeFileName(name: string): string | null {
  if (name === '') return 'is empty (an empty url: needs a filename: key)';
  if (name === '.' || name === '..') return `'${name}' is not a file name`;
  if (name.includes('/') || name.includes('\\')) return `'${name}' is a path, not a plain file name`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return `${JSON.stringify(name)} holds control characters`;
  if (name.startsWith('-')) return `'${name}' starts with '-' (read as an option by the tools steps run)`;
  return null;
}

/** A URL fetchfw's downloader can fetch (http or https), '' (supplied by hand), or why not. */
export function badUrl(url: string): string | null {
  if (url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${url}' is not http or https`;
  return null;
}

/** A step's destination that leaves the install folder (fetchfw checks its glob sources, not cp's target). */
function escapingTarget(value: string): string | null {
  const tokens = value.split(/\s+/).filter(Boolean);
  if (tokens[0] !== 'cp' || tokens.length < 3) return null;
  const dst = tokens[tokens.length - 1];
  const norm = posix.normalize(dst);
  if (dst.startsWith('/') || norm === '..' || norm.startsWith('../')) return `copies to '${dst}', outside the install folder`;
  return null;
}

/**
 * The problems of one pkgs.db read by fetchfw (`readPkgsDbs`), within its family: `family`
 * holds the family's pkgs.db files (this one included), for the filenames they share.
 */
export function checkPkgsDb(db: PkgsDb, family: PkgsDb[] = [db], show: (file: string) => string = (f) => f): FirmwareProblem[] {
  const displayName = show(db.file);
  const problems: FirmwareProblem[] = db.problems.map((p) => ({ file: displayName, ...p }));
  const add = (section: string | null, key: string | null, message: string) => {
    if (!problems.some((p) => p.section === section && p.key === key && p.message === message)) problems.push({ file: displayName, section, key, message });
  };
  for (const f of db.files) {
    if (f.sha1sum !== null && !SHA1.test(f.sha1sum)) add(f.section, 'sha1sum', `'${f.sha1sum}' is not 40 hex digits`);
    if (f.size !== null && !SIZE.test(f.size)) add(f.section, 'size', `'${f.size}' is not a positive integer`);
    if (f.url !== null) {
      const why = badUrl(f.url);
      if (why) add(f.section, 'url', why);
    }
    if (f.built || f.url !== null || f.filename !== null) {
      // the key as written: fetchfw joins it to its cache folder as is (its basename hides '../')
      const why = unsafeFileName(f.filename ?? savedName(f));
      if (why) add(f.section, f.filename !== null ? 'filename' : 'url', `file name ${why}`);
    }
  }
  for (const inst of db.installs) {
    for (const step of inst.steps) {
      const why = escapingTarget(step.value);
      if (why) add(inst.section, step.key, why);
    }
  }
  // one file name, one content, across the family
  const seen = new Map<string, { sha1: string; file: string; section: string }>();
  for (const other of family) {
    if (other === db) continue;
    for (const f of other.files) if (f.sha1sum && SHA1.test(f.sha1sum)) seen.set(savedName(f), { sha1: f.sha1sum.toLowerCase(), file: show(other.file), section: f.section });
  }
  for (const f of db.files) {
    const name = savedName(f);
    const other = seen.get(name);
    if (other && f.sha1sum && SHA1.test(f.sha1sum) && other.sha1 !== f.sha1sum.toLowerCase()) {
      add(f.section, 'sha1sum', `'${name}' has SHA-1 ${f.sha1sum} here but ${other.sha1} in ${other.file} [${other.section}]: one file name, one file`);
    }
  }
  return problems;
}

/** The pkgs.db files of a family folder (one per model folder: <model>/pkgs/pkgs.db), sorted. */
export function familyPkgsDbFiles(familyDir: string): string[] {
  return globSync(`*/${PKGS_DB}`, { cwd: familyDir, onlyFiles: true, dot: false }).sort().map((f) => join(familyDir, f));
}

export interface OfflineResult {
  dbs: PkgsDb[];
  problems: FirmwareProblem[];
}

/**
 * Read and check pkgs.db files with xivo-fetchfw (one python process). `families` groups
 * them for the one-name-one-file check; problems name files relative to `root` if given.
 */
export async function checkPkgsDbFiles(
  files: string[],
  opts: { pythonPath?: string; root?: string; familyOf?: (file: string) => string } = {}
): Promise<OfflineResult> {
  const dbs = await readPkgsDbs(files, opts.pythonPath);
  const familyOf = opts.familyOf ?? ((f: string) => posix.dirname(posix.dirname(posix.dirname(f))));
  const byFamily = new Map<string, PkgsDb[]>();
  for (const db of dbs) byFamily.set(familyOf(db.file), [...(byFamily.get(familyOf(db.file)) ?? []), db]);
  const show = (f: string) => (opts.root ? relative(opts.root, f) : f);
  const problems = dbs.flatMap((db) => checkPkgsDb(db, byFamily.get(familyOf(db.file))!, show));
  return { dbs, problems };
}

/**
 * The one call for a family (what the `test` target runs): every model's pkgs.db of
 * `familyDir`, read by xivo-fetchfw and checked. No network.
 */
export async function checkFamilyFirmware(familyDir: string, opts: { pythonPath?: string; root?: string } = {}): Promise<FirmwareProblem[]> {
  return (await checkPkgsDbFiles(familyPkgsDbFiles(familyDir), { ...opts, familyOf: () => familyDir })).problems;
}
