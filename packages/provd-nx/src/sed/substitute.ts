/**
 * GNU sed's output for substitutions of the replayed subset (script.ts), on
 * bytes: each line (without its newline) is the pattern space, every command
 * applies in order, the line goes out with its newline if it had one (a last
 * line without one stays without, an empty input gives an empty output).
 */
import type { SedReplacementPart, SedSubstitution } from './script';

interface Compiled {
  literal: Buffer;
  atStart: boolean;
  atEnd: boolean;
  replacement: Array<Buffer | null>; // null: the matched bytes
  global: boolean;
}

const NEWLINE = 0x0a;

export function substitute(input: Buffer, program: SedSubstitution[]): Buffer {
  const commands = program.map(compile);
  const out: Buffer[] = [];
  for (let start = 0; start < input.length; ) {
    const newline = input.indexOf(NEWLINE, start);
    const end = newline < 0 ? input.length : newline + 1;
    let space = input.subarray(start, newline < 0 ? end : newline);
    for (const command of commands) space = apply(command, space);
    out.push(space);
    if (newline >= 0) out.push(input.subarray(newline, end));
    start = end;
  }
  return Buffer.concat(out);
}

function compile(s: SedSubstitution): Compiled {
  return {
    literal: Buffer.from(s.literal, 'latin1'), // ASCII and newline only (script.ts)
    atStart: s.atStart,
    atEnd: s.atEnd,
    replacement: s.replacement.map((p: SedReplacementPart) => ('match' in p ? null : Buffer.from(p.text, 'utf8'))),
    global: s.global,
  };
}

function replaced(c: Compiled, match: Buffer): Buffer[] {
  return c.replacement.map((part) => part ?? match);
}

function apply(c: Compiled, space: Buffer): Buffer {
  const n = c.literal.length;
  if (c.atStart || c.atEnd) {
    // anchored: one place only, `g` or not
    const at = c.atStart ? 0 : space.length - n;
    const fits = c.atStart && c.atEnd ? space.length === n : at >= 0 && space.length >= n;
    if (!fits || !space.subarray(at, at + n).equals(c.literal)) return space;
    return Buffer.concat([space.subarray(0, at), ...replaced(c, space.subarray(at, at + n)), space.subarray(at + n)]);
  }
  let found = space.indexOf(c.literal);
  if (found < 0) return space;
  const parts: Buffer[] = [];
  let from = 0;
  while (found >= 0) {
    parts.push(space.subarray(from, found), ...replaced(c, space.subarray(found, found + n)));
    from = found + n;
    if (!c.global) break;
    found = space.indexOf(c.literal, from);
  }
  parts.push(space.subarray(from));
  return Buffer.concat(parts);
}
