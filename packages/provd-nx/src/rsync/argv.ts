/**
 * Native emulation of the local `rsync` copy steps used by provd plugin recipes (`build.py`).
 *
 * Four files, kept apart so the pure parts stay easy to test:
 *  - argv.ts (this file), parseRsyncArgv: argv -> RsyncCopy, or null for anything not emulated exactly;
 *  - filter.ts, isExcluded: rsync's include/exclude matching (a port of exclude.c rule_matches + lib/wildmatch.c);
 *  - sender.ts and receiver.ts, runRsyncCopy: file list + receiver semantics of a local `rsync` run
 *    (main.c get_local_name, generator.c/receiver.c), verified differentially against the real binary in rsync.spec.ts.
 */

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
