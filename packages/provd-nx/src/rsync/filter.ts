/**
 * rsync's include/exclude matching: a port of exclude.c rule_matches + lib/wildmatch.c.
 * One algorithm, kept whole.
 */
import { RsyncFilterRule } from './argv';

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
