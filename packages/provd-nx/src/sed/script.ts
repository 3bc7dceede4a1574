/**
 * The sed scripts replayed natively, and nothing more: `s` commands whose
 * pattern is a literal (printable ASCII, optionally anchored by a leading `^`
 * and a trailing `$`), whose replacement is text, `&` and the escapes `\&`,
 * `\\`, `\n` and the escaped delimiter, with no flag or `g`; one or more of
 * them, separated by `;` or newlines. Every other script parses to null and
 * its recipe runs the real sed under python3.
 *
 * Why this subset: a literal ASCII pattern matches the same bytes in every
 * locale sed may run in (an ASCII byte is never part of a UTF-8 multibyte
 * character), and none of it depends on regex engine details (no `.`, `*`,
 * brackets, groups, back-references, case conversion, other flags).
 * `sed.spec.ts` runs the real sed against the native replay on each form.
 */

/** A part of a replacement: text, or the matched text (`&`). */
export type SedReplacementPart = { text: string } | { match: true };

export interface SedSubstitution {
  /** the literal searched for, printable ASCII and newline (`\n`) only */
  literal: string;
  /** `^`: matches only at the start of the pattern space */
  atStart: boolean;
  /** `$`: matches only at its end */
  atEnd: boolean;
  replacement: SedReplacementPart[];
  /** flag `g`: every match, not only the first */
  global: boolean;
}

/** Delimiters that mean nothing to a basic regular expression, escaped or not. */
const DELIMITERS = '/#,:@!%;=_~';
/** `\x` in a pattern that is the literal x (`\n`: a newline). */
const PATTERN_ESCAPES: Record<string, string> = { '\\': '\\', '.': '.', '*': '*', '[': '[', '^': '^', $: '$', n: '\n' };
/** Printable ASCII that is itself in a basic regular expression: `.`, `[`, `*`, `\`, and anchors `^` `$`. */
const PATTERN_SPECIAL = '.[*\\^$';
/** `\x` in a replacement that is the literal x. */
const REPLACEMENT_ESCAPES: Record<string, string> = { '\\': '\\', '&': '&', n: '\n' };

/** One character of a pattern or replacement, and whether it was escaped. */
interface Char {
  c: string;
  escaped: boolean;
}

/** The substitutions of one script, or null when any of it is outside the subset. */
export function parseSedScript(script: string): SedSubstitution[] | null {
  const commands: SedSubstitution[] = [];
  let i = 0;
  for (;;) {
    while (i < script.length && ' \t;\n'.includes(script[i])) i++;
    if (i === script.length) break;
    if (script[i] !== 's') return null;
    const delimiter = script[i + 1];
    if (delimiter === undefined || !DELIMITERS.includes(delimiter)) return null;
    i += 2;
    const pattern = readPart();
    if (!pattern) return null;
    const replacement = readPart();
    if (!replacement) return null;
    let flags = '';
    while (i < script.length && !' \t;\n'.includes(script[i])) flags += script[i++];
    while (i < script.length && ' \t'.includes(script[i])) i++;
    if (i < script.length && !';\n'.includes(script[i])) return null;
    if (flags !== '' && flags !== 'g') return null;
    const command = substitution(pattern, replacement, flags === 'g');
    if (!command) return null;
    commands.push(command);

    /** The characters up to the next unescaped delimiter (consumed); an escaped delimiter is the delimiter. */
    function readPart(): Char[] | null {
      const chars: Char[] = [];
      while (i < script.length) {
        const c = script[i++];
        if (c === delimiter) return chars;
        if (c === '\n') return null;
        if (c !== '\\') {
          chars.push({ c, escaped: false });
          continue;
        }
        if (i === script.length) return null;
        const next = script[i++];
        if (next === '\n') return null;
        chars.push(next === delimiter ? { c: next, escaped: false } : { c: next, escaped: true });
      }
      return null;
    }
  }
  return commands.length ? commands : null;
}

function substitution(pattern: Char[], replacement: Char[], global: boolean): SedSubstitution | null {
  const isAnchor = (ch: Char | undefined, anchor: string) => ch !== undefined && !ch.escaped && ch.c === anchor;
  const atStart = isAnchor(pattern[0], '^');
  const body = pattern.slice(atStart ? 1 : 0);
  const atEnd = isAnchor(body[body.length - 1], '$');
  if (atEnd) body.pop();
  if (!atStart && !atEnd && body.length === 0) return null; // empty pattern: the last regex used
  let literal = '';
  for (const ch of body) {
    if (ch.escaped) {
      const value = PATTERN_ESCAPES[ch.c];
      if (value === undefined) return null;
      literal += value;
    } else {
      if (!isPrintableAscii(ch.c) || PATTERN_SPECIAL.includes(ch.c)) return null;
      literal += ch.c;
    }
  }
  const parts: SedReplacementPart[] = [];
  const text = (t: string) => {
    const last = parts[parts.length - 1];
    if (last && 'text' in last) last.text += t;
    else parts.push({ text: t });
  };
  for (const ch of replacement) {
    if (ch.escaped) {
      const value = REPLACEMENT_ESCAPES[ch.c];
      if (value === undefined) return null;
      text(value);
    } else if (ch.c === '&') {
      parts.push({ match: true });
    } else {
      text(ch.c);
    }
  }
  return { literal, atStart, atEnd, replacement: parts, global };
}

function isPrintableAscii(c: string): boolean {
  const code = c.charCodeAt(0);
  return c.length === 1 && code >= 0x20 && code <= 0x7e;
}
