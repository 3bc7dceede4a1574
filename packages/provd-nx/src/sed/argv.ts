/**
 * A sed command line replayed natively: `sed SCRIPT FILE` or
 * `sed -e SCRIPT [-e SCRIPT...] FILE` (`--expression=SCRIPT` too, `--` before
 * the file allowed), every script in the subset of script.ts, exactly one
 * input file. Other options (-n, -i, -E, -s, -z, ...), no file or several,
 * `-` (stdin) or another program give null.
 */
import { parseSedScript, SedSubstitution } from './script';

export interface SedCommand {
  program: SedSubstitution[];
  /** the input file as written (relative to the command's working directory) */
  input: string;
}

const PROGRAMS = new Set(['sed', '/bin/sed', '/usr/bin/sed']);

export function parseSedArgv(argv: string[]): SedCommand | null {
  if (!PROGRAMS.has(argv[0]) || argv.some((a) => !isWellFormed(a))) return null;
  const scripts: string[] = [];
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-e' || arg === '--expression') {
      if (i + 1 === argv.length) return null;
      scripts.push(argv[++i]);
    } else if (arg.startsWith('--expression=')) {
      scripts.push(arg.slice('--expression='.length));
    } else if (arg.startsWith('-') && arg !== '-') {
      return null;
    } else {
      operands.push(arg);
    }
  }
  if (scripts.length === 0 && operands.length) scripts.push(operands.shift()!);
  if (operands.length !== 1 || operands[0] === '-' || operands[0].startsWith('-') || operands[0] === '') return null;
  // sed joins -e scripts with newlines
  const program = parseSedScript(scripts.join('\n'));
  return program ? { program, input: operands[0] } : null;
}

/** No lone surrogate: python gave the argument's bytes as UTF-8 (undecodable bytes would not round-trip). */
function isWellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
}
