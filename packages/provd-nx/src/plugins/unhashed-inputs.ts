/**
 * What Nx's file hashing does not see, made part of each build's hash.
 *
 * Nx hashes the regular files git would track; a build also packages symlinks (a
 * dangling one included) and files that .gitignore hides. Without them in the hash, adding
 * or retargeting a link, or editing an ignored file, gives a cache hit with the old
 * package. Each model's build gets a digest of those entries under its inputs as an
 * option, and Nx hashes target options. A link also brings in the content it leads to when
 * that lies in the family outside the input path, since a recipe may follow it.
 */
import type { CreateNodesResult } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { modelInputPaths, type Model } from '../build/model';
import type { ProvdMetadata } from '../build/model';
import { realpath } from '../build/family-guard';
import { isWithin } from '../fs/within';
import { runsStep } from './release-steps';

/** Files git ignores under `dir` (workspace-relative), or none outside a git work tree. */
function ignoredFiles(workspaceRoot: string, dir: string): Set<string> {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', dir], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
    return new Set(out.split('\0').filter(Boolean));
  } catch {
    return new Set();
  }
}

/** The unhashed entries under one input path, as "kind path detail" lines. */
function unhashedEntries(workspaceRoot: string, input: string, familyRoot: string, ignored: Set<string>): string[] {
  const lines: string[] = [];
  // resolved on the first link only: most input paths hold none
  let bounds: LinkBounds | undefined;
  const visit = (rel: string) => {
    let st;
    try {
      st = lstatSync(join(workspaceRoot, rel));
    } catch {
      return;
    }
    if (st.isSymbolicLink()) {
      lines.push(`link ${rel} ${readlinkSync(join(workspaceRoot, rel))}`);
      bounds ??= { family: realpathOr(join(workspaceRoot, familyRoot)), input: realpathOr(join(workspaceRoot, input)) };
      const linked = linkedContent(join(workspaceRoot, rel), bounds);
      if (linked) lines.push(`linked ${rel} ${linked}`);
    } else if (st.isDirectory()) {
      for (const name of readdirSync(join(workspaceRoot, rel)).sort()) visit(posix.join(rel, name));
    } else if (ignored.has(rel)) {
      lines.push(`ignored ${rel} ${st.mode & 0o111 ? 'x' : '-'} ${createHash('sha1').update(readFileSync(join(workspaceRoot, rel))).digest('hex')}`);
    }
  };
  visit(input);
  return lines;
}

/**
 * What a link in an input path leads to, when that lies in the family but outside the input
 * path: a recipe following links (`rsync -L`, `shutil.copytree`) packages it, and Nx hashes it
 * for no model. A digest of its content (names, modes, bytes; links inside it as text), or null.
 * Links leading out of the family make no digest: a build that could follow them refuses them.
 */
function linkedContent(link: string, bounds: LinkBounds): string | null {
  const real = realpathOr(link); // null: dangling or looping, nothing to copy
  if (real === null || bounds.family === null || !isWithin(real, bounds.family)) return null;
  if (bounds.input !== null && isWithin(real, bounds.input)) return null;
  const hash = createHash('sha1');
  const visit = (path: string, name: string) => {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) hash.update(`link ${name} ${readlinkSync(path)}\n`);
      else if (st.isDirectory()) {
        hash.update(`dir ${name}\n`);
        for (const child of readdirSync(path).sort()) visit(join(path, child), posix.join(name, child));
      } else if (st.isFile()) hash.update(`file ${name} ${st.mode & 0o111 ? 'x' : '-'} `).update(readFileSync(path)).update('\n');
    } catch (e) {
      // unreadable (a name that is not UTF-8, no permission): the build reports it; the graph goes on
      hash.update(`unreadable ${name} ${(e as NodeJS.ErrnoException).code ?? ''}\n`);
    }
  };
  visit(real, '.');
  return hash.digest('hex');
}

/** The real family folder and input path a link's target is judged against (null: unresolvable). */
interface LinkBounds {
  family: string | null;
  input: string | null;
}

function realpathOr(path: string): string | null {
  try {
    return realpath(path);
  } catch {
    return null;
  }
}

/** Adds `unhashedInputs` to every model's build options (in place); one git call and one walk per input path. */
export function withUnhashedInputs<T extends readonly [string, CreateNodesResult]>(results: T[], workspaceRoot: string, pluginsDir: string): T[] {
  const ignored = ignoredFiles(workspaceRoot, pluginsDir);
  const perPath = new Map<string, string[]>();
  const entriesOf = (input: string, familyRoot: string) => {
    let lines = perPath.get(input);
    if (!lines) perPath.set(input, (lines = unhashedEntries(workspaceRoot, input, familyRoot, ignored)));
    return lines;
  };
  for (const [, result] of results) {
    for (const project of Object.values(result.projects ?? {})) {
      const meta = project.metadata?.provd as ProvdMetadata | undefined;
      const build = project.targets?.build;
      if (meta?.kind !== 'model' || !build || !runsStep(build, 'build')) continue;
      const lines = modelInputPaths(meta as Model).flatMap((input) => entriesOf(input, meta.familyRoot));
      const digest = lines.length ? createHash('sha1').update(lines.join('\n')).digest('hex') : 'none';
      build.options = { ...build.options, unhashedInputs: digest };
    }
  }
  return results;
}
