/**
 * What Nx's file hashing does not see, made part of each build's hash.
 *
 * Nx hashes the regular files git would track; a build also packages symlinks (a
 * dangling one included) and files that .gitignore hides. Without them in the hash, adding
 * or retargeting a link, or editing an ignored file, gives a cache hit with the old
 * package. Each model's build gets a digest of those entries under its inputs as an
 * option, and Nx hashes target options.
 */
import type { CreateNodesResult } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { modelInputPaths, type Model } from '../model/model';
import type { ProvdMetadata } from '../model/model';

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
function unhashedEntries(workspaceRoot: string, input: string, ignored: Set<string>): string[] {
  const lines: string[] = [];
  const visit = (rel: string) => {
    let st;
    try {
      st = lstatSync(join(workspaceRoot, rel));
    } catch {
      return;
    }
    if (st.isSymbolicLink()) lines.push(`link ${rel} ${readlinkSync(join(workspaceRoot, rel))}`);
    else if (st.isDirectory()) {
      for (const name of readdirSync(join(workspaceRoot, rel)).sort()) visit(posix.join(rel, name));
    } else if (ignored.has(rel)) {
      lines.push(`ignored ${rel} ${st.mode & 0o111 ? 'x' : '-'} ${createHash('sha1').update(readFileSync(join(workspaceRoot, rel))).digest('hex')}`);
    }
  };
  visit(input);
  return lines;
}

/** Adds `unhashedInputs` to every model's build options (in place); one git call and one walk per input path. */
export function withUnhashedInputs<T extends readonly [string, CreateNodesResult]>(results: T[], workspaceRoot: string, pluginsDir: string): T[] {
  const ignored = ignoredFiles(workspaceRoot, pluginsDir);
  const perPath = new Map<string, string[]>();
  const entriesOf = (input: string) => {
    let lines = perPath.get(input);
    if (!lines) perPath.set(input, (lines = unhashedEntries(workspaceRoot, input, ignored)));
    return lines;
  };
  for (const [, result] of results) {
    for (const project of Object.values(result.projects ?? {})) {
      const meta = project.metadata?.provd as ProvdMetadata | undefined;
      const build = project.targets?.build;
      if (meta?.kind !== 'model' || !build || build.executor === undefined || !build.executor.endsWith(':build')) continue;
      const lines = modelInputPaths(meta as Model).flatMap(entriesOf);
      const digest = lines.length ? createHash('sha1').update(lines.join('\n')).digest('hex') : 'none';
      build.options = { ...build.options, unhashedInputs: digest };
    }
  }
  return results;
}
