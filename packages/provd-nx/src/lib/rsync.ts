/**
 * Native emulation of the local `rsync` copy steps used by provd plugin recipes (`build.py`).
 *
 * Three layers, kept apart so the pure parts stay easy to test:
 *  - parseRsyncArgv: argv -> RsyncCopy, or null for anything not emulated exactly;
 *  - isExcluded: rsync's include/exclude matching (a port of exclude.c rule_matches + lib/wildmatch.c);
 *  - runRsyncCopy: file list + receiver semantics of a local `rsync` run (main.c get_local_name,
 *    generator.c/receiver.c), verified differentially against the real binary in rsync.spec.ts.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { tempSiblingName } from './temp-name';
import { decodeName } from './file-name';

export interface RsyncFilterRule {
  action: 'include' | 'exclude';
  pattern: string;
}

export interface RsyncCopy {
  /** As written (relative to cwd or absolute); a trailing slash means "the contents of". */
  sources: string[];
  dest: string;
  /** Effective rules in command-line order ('+ '/'- ' prefixes and '!' clears already applied). */
  rules: RsyncFilterRule[];
  recursive: boolean;
  links: boolean;
  perms: boolean;
  times: boolean;
  /** -o / -g (from -a): ownership is copied when running as root, like rsync. */
  owner?: boolean;
  group?: boolean;
  /** --devices / --specials (from -D or -a): such source files make runRsyncCopy throw. */
  devices?: boolean;
  specials?: boolean;
  /** -c: the quick check compares contents instead of size + mtime. */
  checksum?: boolean;
  /** -I: the quick check never skips a file. */
  ignoreTimes?: boolean;
  /** -q: no informational messages ("skipping non-regular file ..."). */
  quiet?: boolean;
}

export interface RunRsyncOptions {
  /** Called with every source path (top-level, file, dir, symlink) before any fs call touches it. */
  guard?: (sourceAbsPath: string) => void;
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

// ---------------------------------------------------------------------------------------------
// argv parsing

type Flag = 'recursive' | 'links' | 'perms' | 'times' | 'owner' | 'group' | 'devices' | 'specials' | 'checksum' | 'ignoreTimes' | 'quiet';
type FlagState = Record<Flag, boolean>;

const ARCHIVE: Flag[] = ['recursive', 'links', 'perms', 'times', 'group', 'owner', 'devices', 'specials'];

// Short options; '' marks options that only change rsync's output or transport, never the result.
const SHORT: Record<string, Flag[] | ''> = {
  r: ['recursive'], l: ['links'], p: ['perms'], t: ['times'], o: ['owner'], g: ['group'],
  D: ['devices', 'specials'], a: ARCHIVE, c: ['checksum'], I: ['ignoreTimes'], q: ['quiet'],
  v: '', z: '', h: '', P: '', W: '', i: '', '8': '',
};

const LONG: Record<string, Flag[] | ''> = {
  recursive: ['recursive'], links: ['links'], perms: ['perms'], times: ['times'], owner: ['owner'],
  group: ['group'], devices: ['devices'], specials: ['specials'], archive: ARCHIVE,
  checksum: ['checksum'], 'ignore-times': ['ignoreTimes'], quiet: ['quiet'],
  verbose: '', compress: '', 'human-readable': '', progress: '', partial: '', 'whole-file': '',
  stats: '', 'itemize-changes': '', '8-bit-output': '',
};

// --no-X turns an implied option back off (rsync accepts both the long and the short name).
const NEGATABLE: Record<string, Flag[]> = {
  recursive: ['recursive'], r: ['recursive'], links: ['links'], l: ['links'], perms: ['perms'], p: ['perms'],
  times: ['times'], t: ['times'], owner: ['owner'], o: ['owner'], group: ['group'], g: ['group'],
  devices: ['devices'], specials: ['specials'], D: ['devices', 'specials'],
};

// Output-only options that take a value (--info=FLAGS, --info FLAGS, ...).
const LONG_WITH_IGNORED_VALUE = new Set(['info', 'debug', 'compress-level']);

export function parseRsyncArgv(argv: string[]): RsyncCopy | null {
  if (argv.length === 0 || !(argv[0] === 'rsync' || argv[0].endsWith('/rsync'))) return null;
  const flags: FlagState = {
    recursive: false, links: false, perms: false, times: false, owner: false, group: false,
    devices: false, specials: false, checksum: false, ignoreTimes: false, quiet: false,
  };
  let rules: RsyncFilterRule[] = [];
  const positional: string[] = [];
  let onlyPositional = false;

  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
    } else if (arg === '--') {
      onlyPositional = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const takeValue = (): string | null => {
        if (eq >= 0) return arg.slice(eq + 1);
        return i + 1 < argv.length ? argv[++i] : null;
      };
      if (name === 'include' || name === 'exclude') {
        const value = takeValue();
        if (value === null) return null;
        const next = addOldStyleRule(rules, name, value);
        if (next === null) return null;
        rules = next;
      } else if (LONG_WITH_IGNORED_VALUE.has(name)) {
        if (takeValue() === null) return null;
      } else if (eq >= 0) {
        return null;
      } else if (Object.hasOwn(LONG, name)) {
        for (const f of LONG[name] || []) flags[f] = true;
      } else if (name.startsWith('no-') && Object.hasOwn(NEGATABLE, name.slice(3))) {
        for (const f of NEGATABLE[name.slice(3)]) flags[f] = false;
      } else {
        return null;
      }
    } else {
      for (const ch of arg.slice(1)) {
        if (!Object.hasOwn(SHORT, ch)) return null;
        for (const f of SHORT[ch] || []) flags[f] = true;
      }
    }
  }

  if (positional.length < 2) return null; // a lone path makes rsync list files
  // "host:path" / "rsync://" operands are remote transfers.
  if (positional.some((p) => p === '' || /^[^/]*:/.test(p))) return null;
  const sources = positional.slice(0, -1);
  // "dir/.." names the parent under a name rsync derives differently; not worth emulating.
  if (sources.some((s) => /(^|\/)\.\.$/.test(s))) return null;

  const copy: RsyncCopy = {
    sources,
    dest: positional[positional.length - 1],
    rules,
    recursive: flags.recursive,
    links: flags.links,
    perms: flags.perms,
    times: flags.times,
  };
  for (const f of ['owner', 'group', 'devices', 'specials', 'checksum', 'ignoreTimes', 'quiet'] as const) {
    if (flags[f]) copy[f] = true;
  }
  return copy;
}

/**
 * --include/--exclude values go through rsync's "old prefixes" parsing: a leading "+ " or "- " picks
 * the action, a lone "!" clears the list, an empty value is ignored. Returns the new list, or null
 * where rsync stops with a syntax error.
 */
function addOldStyleRule(rules: RsyncFilterRule[], option: 'include' | 'exclude', value: string): RsyncFilterRule[] | null {
  if (value === '') return rules;
  let action: RsyncFilterRule['action'] = option;
  let pattern = value;
  if (value.startsWith('- ')) {
    action = 'exclude';
    pattern = value.slice(2);
  } else if (value.startsWith('+ ')) {
    action = 'include';
    pattern = value.slice(2);
  } else if (value === '!') {
    return [];
  }
  if (pattern === '') return null; // "unexpected end of filter rule"
  return [...rules, { action, pattern }];
}

// ---------------------------------------------------------------------------------------------
// filter matching

interface CompiledRule {
  exclude: boolean;
  dirOnly: boolean;
  /** No '/' and no '**': only the last path component is matched. */
  nameOnly: boolean;
  anchored: boolean;
  wild: boolean;
  /** Pattern starts with '**': rsync prepends '/' so that a leading "**\/" also matches at the top. */
  wild2Prefix: boolean;
  /** Pattern ends with '***': a directory is matched with a trailing '/', so "dir/***" matches dir. */
  wild3Suffix: boolean;
  /** 0: whole text; -1: at the start or after any '/'; N > 0: the last N path components. */
  where: number;
  /** For wildcard patterns; null when the pattern can never match (malformed class, trailing '\'). */
  re: RegExp | null;
  /** For literal patterns, without the anchoring '/'. */
  literal: string;
}

// Per rule object (the hot path while walking a tree), then by action + pattern since recipes
// rebuild rule objects for every step while the patterns repeat.
const compiledByRule = new WeakMap<RsyncFilterRule, { action: string; pattern: string; compiled: CompiledRule }>();
const compiledRules = new Map<string, CompiledRule>();

function compileRule(rule: RsyncFilterRule): CompiledRule {
  const cached = compiledByRule.get(rule);
  if (cached && cached.action === rule.action && cached.pattern === rule.pattern) return cached.compiled;
  const key = `${rule.action}\0${rule.pattern}`;
  const compiled = compiledRules.get(key) ?? buildRule(rule);
  if (compiledRules.size > 5000) compiledRules.clear();
  compiledRules.set(key, compiled);
  compiledByRule.set(rule, { action: rule.action, pattern: rule.pattern, compiled });
  return compiled;
}

function buildRule(rule: RsyncFilterRule): CompiledRule {
  let pat = toByteString(rule.pattern);
  let dirOnly = false;
  if (pat.length > 1 && pat.endsWith('/')) {
    pat = pat.slice(0, -1);
    dirOnly = true;
  }
  const slashCnt = pat.split('/').length - 1;
  const wild = /[*?[]/.test(pat);
  const star2 = wild ? pat.indexOf('**') : -1;
  const wild2 = star2 >= 0;
  const wild2Prefix = star2 === 0;
  const wild3Suffix = wild2 && pat.length >= 3 && pat.endsWith('***');
  const anchored = pat.startsWith('/');
  const body = anchored ? pat.slice(1) : pat;
  const where = !anchored && slashCnt > 0 && !wild2 ? slashCnt + 1 : !anchored && wild2 && !wild2Prefix ? -1 : 0;

  let re: RegExp | null = null;
  if (wild) {
    const src = wildToRegexSource(body);
    if (src !== null) re = new RegExp(where < 0 ? `^(?:[\\s\\S]*/)?(?:${src})$` : `^(?:${src})$`);
  }
  return {
    exclude: rule.action === 'exclude',
    dirOnly,
    nameOnly: slashCnt === 0 && !wild2,
    anchored,
    wild,
    wild2Prefix,
    wild3Suffix,
    where,
    re,
    literal: body,
  };
}

function ruleMatches(rule: CompiledRule, fullName: string, isDir: boolean): boolean {
  if (!fullName || (rule.dirOnly && !isDir)) return false;
  const name = rule.nameOnly ? fullName.slice(fullName.lastIndexOf('/') + 1) : fullName;
  if (!rule.wild) {
    if (rule.anchored) return name === rule.literal;
    return name === rule.literal || name.endsWith(`/${rule.literal}`);
  }
  if (!rule.re) return false;
  let text = (rule.wild2Prefix ? '/' : '') + name + (isDir && rule.wild3Suffix ? '/' : '');
  if (rule.where > 0) {
    const parts = text.split('/');
    if (parts.length < rule.where) return false;
    text = parts.slice(-rule.where).join('/');
  }
  return rule.re.test(text);
}

/**
 * rsync filter decision for a path relative to the transfer root: the first matching rule wins,
 * no match means included. Matching is done on UTF-8 bytes, as rsync does ('?' is one byte).
 */
export function isExcluded(relPath: string, isDir: boolean, rules: RsyncFilterRule[]): boolean {
  const name = toByteString(relPath.startsWith('/') ? relPath.slice(1) : relPath);
  for (const rule of rules) {
    const compiled = compileRule(rule);
    if (ruleMatches(compiled, name, isDir)) return compiled.exclude;
  }
  return false;
}

/** One JS char per UTF-8 byte, so regex char classes and '?' see bytes like rsync's wildmatch. */
function toByteString(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

function reChar(ch: string): string {
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Translate an rsync wildmatch pattern into a RegExp body; null = can never match. */
function wildToRegexSource(p: string): string | null {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      if (i + 1 >= p.length) return null; // a trailing backslash fails every match in wildmatch
      out += reChar(p[++i]);
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '*') {
      let j = i;
      while (p[j + 1] === '*') j++;
      out += j > i ? '[\\s\\S]*' : '[^/]*'; // '**' (or more) crosses '/', '*' does not
      i = j;
    } else if (ch === '[') {
      const cls = classToRegex(p, i);
      if (cls === null) return null;
      out += cls.src;
      i = cls.end;
    } else {
      out += reChar(ch);
    }
  }
  return out;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'A-Za-z0-9', alpha: 'A-Za-z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '\\x21-\\x7e', lower: 'a-z', print: '\\x20-\\x7e', punct: '\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e',
  space: '\\x09-\\x0d ', upper: 'A-Z', xdigit: '0-9A-Fa-f',
};

/**
 * Parse a '[...]' class starting at p[start], mirroring dowild(): '!' or '^' negates, the first
 * member may be ']', '\' escapes, 'a-z' ranges, '[:name:]' classes; a class never matches '/'.
 * Returns null for an unterminated class or an unknown [:name:] (wildmatch aborts the match).
 */
function classToRegex(p: string, start: number): { src: string; end: number } | null {
  let j = start + 1;
  let ch: string | undefined = p[j];
  const negated = ch === '!' || ch === '^';
  if (negated) ch = p[++j];
  let prev = '';
  const members: string[] = [];
  for (;;) {
    if (ch === undefined) return null;
    if (ch === '\\') {
      ch = p[++j];
      if (ch === undefined) return null;
      members.push(reChar(ch));
    } else if (ch === '-' && prev && p[j + 1] !== undefined && p[j + 1] !== ']') {
      ch = p[++j];
      if (ch === '\\') {
        ch = p[++j];
        if (ch === undefined) return null;
      }
      if (prev <= ch) members.push(`${reChar(prev)}-${reChar(ch)}`);
      ch = ''; // a range does not start another range
    } else if (ch === '[' && p[j + 1] === ':') {
      const s = j + 2;
      let k = s;
      while (k < p.length && p[k] !== ']') k++;
      if (k >= p.length) return null;
      if (k - s - 1 < 0 || p[k - 1] !== ':') {
        members.push(reChar('[')); // not "[:name:]": a plain '[' member
      } else {
        const className = p.slice(s, k - 1);
        if (!Object.hasOwn(POSIX_CLASSES, className)) return null;
        members.push(POSIX_CLASSES[className]);
        j = k;
        ch = '';
      }
    } else {
      members.push(reChar(ch));
    }
    prev = ch;
    ch = p[++j];
    if (ch === ']') break;
  }
  return { src: `(?!/)[${negated ? '^' : ''}${members.join('')}]`, end: j };
}

// ---------------------------------------------------------------------------------------------
// file list (sender side)

type Kind = 'dir' | 'file' | 'symlink' | 'device' | 'special';

interface Entry {
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

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}: ${e.message}` : String(err);
}

class Lister {
  constructor(
    private readonly copy: RsyncCopy,
    private readonly cwd: string,
    private readonly guard: ((p: string) => void) | undefined,
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
    this.guard?.(abs);
    let st: BigIntStats;
    try {
      if (dot) {
        if ((await fs.lstat(abs)).isSymbolicLink()) this.guard?.(await fs.realpath(abs));
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
      this.guard?.(abs);
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

// ---------------------------------------------------------------------------------------------
// receiver side

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
