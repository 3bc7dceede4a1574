import { existsSync, statSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { RecordedCommand, RecordedTarget, RecordedFamily } from './recipe';
import { RsyncCopy, parseRsyncArgv } from '../rsync/argv';
import { pluginIdProblem } from '../format/plugin-id';
import { parseSedArgv } from '../sed/argv';
import { SedSubstitution } from '../sed/script';
import { splitShellCommand } from '../sed/shell-command';
import { isWithin } from '../fs/within';

export const BUILD_FILE = 'build.py';

/** One copy step replayed natively: sources relative to the family folder, dest relative to the plugin folder. */
export interface CopyStep {
  copy: RsyncCopy;
}

/** One sed step replayed natively (src/sed): one input file through substitutions into one plugin file. */
export interface SedStep {
  sed: {
    /** relative to the family folder */
    input: string;
    /** relative to the plugin folder */
    output: string;
    program: SedSubstitution[];
  };
}

export type NativeStep = CopyStep | SedStep;

/** A model as its recipe defines it (everything here is JSON, so it can live in project metadata). */
export interface ModelRecipe {
  targetId: string;
  pluginId: string;
  stdDirs: boolean;
  /** the model folder, a top-level folder of the family */
  folder: string;
  /** 'native': copy and simple sed steps replayed in-process; 'python': run the recipe function for real */
  replay: 'native' | 'python';
  steps: NativeStep[];
  /** the commands as recorded, printable, for descriptions and --verbose */
  commands: string[];
  /** top-level folders of the family the recipe reads, in first-read order (own folder included) */
  reads: string[];
  /** the recipe also reads files at the family root (beyond build.py) or the root itself */
  readsFamilyRoot: boolean;
}

export interface FamilyRecipe {
  name: string;
  /** workspace-relative family folder */
  root: string;
  models: ModelRecipe[];
  /** top-level folders read by some recipe that are no model's folder */
  sharedFolders: string[];
}

export class RecipeError extends Error {
  constructor(public readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'RecipeError';
  }
}

export function printable(cmd: RecordedCommand, out?: string): string {
  let text = Array.isArray(cmd.argv) ? cmd.argv.map(quote).join(' ') : cmd.argv;
  if (cmd.stdout && out) text += ` > ${quote(join(out, cmd.stdout))}`;
  return out ? text.split(out).join('$OUT') : text;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The first component of a family-relative, '/'-separated path (a backslash is a character of a POSIX name). */
function topLevel(rel: string): string {
  return rel.split('/')[0];
}

/** A recorded rsync command, parsed once, its sources resolved against the family folder. */
interface RecordedCopy {
  copy: RsyncCopy;
  cwd: string;
  sources: Array<{ written: string; abs: string; rel: string }>;
}

function recordedCopy(cmd: RecordedCommand, familyDir: string): RecordedCopy | null {
  if (!Array.isArray(cmd.argv)) return null;
  const copy = parseRsyncArgv(cmd.argv);
  if (!copy) return null;
  const cwd = resolve(familyDir, cmd.cwd);
  const sources = copy.sources.map((written) => {
    const abs = resolve(cwd, written);
    return { written, abs, rel: relative(familyDir, abs).split(sep).join('/') || '.' };
  });
  return { copy, cwd, sources };
}

/**
 * Check a target's rsync sources: they must exist and stay inside the family.
 * Returns the family-relative sources.
 */
function copySources(target: RecordedTarget, copies: Array<RecordedCopy | null>, familyDir: string, buildFile: string): string[] {
  const found: string[] = [];
  for (const rc of copies) {
    for (const { written, abs, rel } of rc?.sources ?? []) {
      const problem = !isWithin(abs, familyDir) ? 'is outside the family folder' : !existsSync(abs) ? 'does not exist' : null;
      if (problem) throw new RecipeError(buildFile, `target '${target.targetId}' (${target.pluginId}) copies '${written}', which ${problem}`);
      found.push(rel);
    }
  }
  return found;
}

/** A checked copy as a native step, or null when the command must run for real. */
function toCopyStep(cmd: RecordedCommand, rc: RecordedCopy | null, out: string): CopyStep | null {
  // an rsync whose output goes to a plugin file writes that file too
  if (!rc || cmd.shell || cmd.stdout) return null;
  const dest = resolve(rc.cwd, rc.copy.dest);
  if (!isWithin(dest, out)) return null;
  const sources = rc.sources.map(({ written, rel }) => (written.endsWith('/') ? rel + '/' : rel));
  // dest is relative to the plugin folder: '' is the plugin folder itself
  return { copy: { ...rc.copy, sources, dest: relative(out, dest).split(sep).join('/') } };
}

/**
 * A recorded sed command as a native step, or null when it must run for real:
 * plain, in the replayed subset (src/sed), reading one existing file of the
 * family, writing its whole output to one plugin file (`> file` in a shell
 * line, or stdout a file the recipe has just opened, as recipe.py checked).
 */
function toSedStep(cmd: RecordedCommand, familyDir: string, out: string): SedStep | null {
  if (!cmd.plain || !out) return null;
  const cwd = resolve(familyDir, cmd.cwd);
  let argv: string[];
  let output: string;
  if (cmd.shell) {
    const line = typeof cmd.argv === 'string' ? splitShellCommand(cmd.argv) : null;
    if (!line?.stdout || cmd.stdout) return null;
    argv = line.argv;
    output = resolve(cwd, line.stdout);
  } else {
    if (!Array.isArray(cmd.argv) || !cmd.stdout) return null;
    argv = cmd.argv;
    output = resolve(out, cmd.stdout);
  }
  const sed = parseSedArgv(argv);
  if (!sed) return null;
  const input = resolve(cwd, sed.input);
  if (!isWithin(input, familyDir) || input === familyDir || !isFile(input)) return null;
  if (!isWithin(output, out) || output === out) return null;
  return {
    sed: {
      input: relative(familyDir, input).split(sep).join('/'),
      output: relative(out, output).split(sep).join('/'),
      program: sed.program,
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Analyze one family's recorded recipe into models, shared folders and what each model reads. */
export function analyzeFamily(workspaceRoot: string, familyRoot: string, recorded: RecordedFamily): FamilyRecipe {
  const familyDir = join(workspaceRoot, familyRoot);
  const buildFile = posix.join(familyRoot, BUILD_FILE);
  const name = posix.basename(familyRoot);
  if (recorded.error) {
    throw new RecipeError(buildFile, `failed to load: ${recorded.error.message}`);
  }
  const targets = recorded.targets ?? [];
  if (targets.length === 0) {
    throw new RecipeError(buildFile, 'declares no @target: a family needs at least one model');
  }

  const readsByTarget = new Map<RecordedTarget, string[]>();
  const copiesByTarget = new Map<RecordedTarget, Array<RecordedCopy | null>>();
  const readers = new Map<string, number>();
  for (const target of targets) {
    const problem = pluginIdProblem(target.pluginId);
    if (problem && !target.error) target.error = { message: `${problem}${target.line ? ` (build.py line ${target.line})` : ''}` };
    if (target.error) {
      const detail = target.error.stderr ? `\n${target.error.stderr}` : '';
      throw new RecipeError(
        buildFile,
        `target '${target.targetId}' (${target.pluginId}) fails: ${target.error.message}${detail}`
      );
    }
    const copies = (target.commands ?? []).map((c) => recordedCopy(c, familyDir));
    copiesByTarget.set(target, copies);
    const paths = [
      ...copySources(target, copies, familyDir, buildFile),
      ...(target.commands ?? []).flatMap((c) => c.reads),
      ...(target.reads ?? []),
    ];
    const tops: string[] = [];
    for (const p of paths) {
      const top = p === '.' ? '.' : topLevel(p);
      if (!tops.includes(top)) tops.push(top);
    }
    readsByTarget.set(target, tops);
    for (const top of tops) readers.set(top, (readers.get(top) ?? 0) + 1);
  }

  const isDir = (top: string) => top !== '.' && existsSync(join(familyDir, top)) && statSync(join(familyDir, top)).isDirectory();
  const models: ModelRecipe[] = [];
  for (const target of targets) {
    const tops = readsByTarget.get(target)!.filter(isDir);
    const folder = pickModelFolder(target, tops, readers);
    if (!folder) {
      throw new RecipeError(
        buildFile,
        `target '${target.targetId}' (${target.pluginId}): no model folder found ` +
          `(expected a folder named '${target.targetId}' that the recipe copies; it reads ${tops.length ? tops.map((t) => `'${t}/'`).join(', ') : 'no folder'})`
      );
    }
    const out = target.out ?? '';
    const commands = target.commands ?? [];
    const copies = copiesByTarget.get(target)!;
    const steps = commands.map((c, i) => toCopyStep(c, copies[i], out) ?? toSedStep(c, familyDir, out));
    const native = target.replay === 'commands' && steps.every((s) => s !== null);
    const allReads = readsByTarget.get(target)!;
    models.push({
      targetId: target.targetId,
      pluginId: target.pluginId,
      stdDirs: target.stdDirs,
      folder,
      replay: native ? 'native' : 'python',
      steps: native ? (steps as NativeStep[]) : [],
      commands: commands.map((c) => printable(c, out)),
      reads: tops,
      readsFamilyRoot: allReads.some((t) => t === '.' || (t !== BUILD_FILE && !isDir(t))),
    });
  }

  const modelFolders = new Set(models.map((m) => m.folder));
  const sharedFolders: string[] = [];
  for (const m of models) for (const top of m.reads) if (!modelFolders.has(top) && !sharedFolders.includes(top)) sharedFolders.push(top);
  sharedFolders.sort();
  return { name, root: familyRoot, models, sharedFolders };
}

/**
 * A target's model folder: the folder named after the target id, else the last
 * folder no other target reads. Either way no two targets can share one.
 */
function pickModelFolder(target: RecordedTarget, tops: string[], readers: Map<string, number>): string | null {
  if (tops.includes(target.targetId)) return target.targetId;
  // Otherwise the last folder only this target reads (loops often name folders after something else).
  const own = tops.filter((t) => readers.get(t) === 1);
  return own.length ? own[own.length - 1] : null;
}
