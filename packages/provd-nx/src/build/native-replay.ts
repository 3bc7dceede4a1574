/**
 * A model's recorded steps replayed in this process (replay 'native'): rsync
 * copies through src/rsync, sed substitutions through src/sed. Where a sed step cannot be shown to do here what the real
 * sed would (not GNU sed, another locale, its output reached through a
 * symlink), NotReplayable says so before anything is written by that step,
 * and the caller runs the recipe under python3 instead. The standard folders
 * are the caller's (std-dirs.ts), whichever way the steps ran.
 */
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { runRsyncCopy } from '../rsync/receiver';
import { NativeStep, SedStep } from '../recipe/family';
import { isWithin } from '../fs/within';
import { nativeSedEnvironment } from '../sed/environment';
import { substitute } from '../sed/substitute';
import { BuildError } from './build-error';
import { familyGuard, isSymlink, realpath, type FamilyGuard } from './family-guard';

export class NotReplayable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReplayable';
  }
}

const isSed = (step: NativeStep): step is SedStep => 'sed' in step;

/** Whether the steps can be replayed here at all (checked before the first step runs). */
export function replayableHere(steps: NativeStep[]): boolean {
  return !steps.some(isSed) || nativeSedEnvironment();
}

/** Replay `steps` into `out` (created here); `where` names the target in errors. */
export async function replaySteps(steps: NativeStep[], familyDir: string, out: string, where: string): Promise<void> {
  await fsp.mkdir(out);
  const guard = familyGuard(familyDir, where);
  for (const step of steps) {
    if (isSed(step)) {
      await replaySed(step.sed, familyDir, out, where, guard);
      continue;
    }
    const { copy } = step;
    const dest = resolve(out, copy.dest);
    if (!isWithin(dest, out)) throw new BuildError(`${where}: copy destination '${copy.dest}' is outside the plugin folder`);
    try {
      // ignoreTimes: rsync's quick check (same size, same mtime second: skip) would let checkout
      // mtimes decide whether a later step overlays an earlier one; the recipe means overlay.
      await runRsyncCopy({ ...copy, dest: dest + sep, ignoreTimes: true }, familyDir, { guard, log: () => undefined });
    } catch (e) {
      if (e instanceof BuildError) throw e;
      throw new BuildError(`${where}: copy step 'rsync ${copy.sources.join(' ')} $OUT/${copy.dest}' failed: ${(e as Error).message}`);
    }
  }
}

async function replaySed(sed: SedStep['sed'], familyDir: string, out: string, where: string, guard: FamilyGuard): Promise<void> {
  const input = resolve(familyDir, sed.input);
  const output = resolve(out, sed.output);
  const step = `sed step '${sed.input} > $OUT/${sed.output}'`;
  guard(input);
  // Whatever the real commands would do here (open(2) following a symlink an earlier copy left,
  // a missing folder the recipe may ignore the failure of): let them do it.
  const parent = dirname(output);
  if (!isWithin(output, out) || !isDirectory(parent) || !isWithin(realpath(parent), realpath(out))) {
    throw new NotReplayable(`${step}: its output folder is not a folder of the plugin`);
  }
  if (isSymlink(output)) throw new NotReplayable(`${step}: its output is a symlink`);
  let bytes: Buffer;
  try {
    // a template read whole from the page cache: five thread-pool trips asynchronously
    bytes = readFileSync(input);
  } catch (e) {
    throw new NotReplayable(`${step}: ${(e as Error).message}`);
  }
  try {
    // flags 'w' (create or truncate, mode 0666 & ~umask), as the shell's `>` and python's open(f, 'w')
    await fsp.writeFile(output, substitute(bytes, sed.program), { flag: 'w' });
  } catch (e) {
    throw new BuildError(`${where}: ${step} failed: ${(e as Error).message}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
