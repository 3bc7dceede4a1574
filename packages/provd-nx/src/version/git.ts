import { execFileSync } from 'node:child_process';
import { provdEnv } from '../runtime/env';

export class GitError extends Error {}

export function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GitError(`git ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

const memo = new Map<string, unknown>();

/**
 * Computed once per nx run (PROVD_RUN_LOG names the run): a batch of version
 * tasks shares git's answers. Outside an nx run, asked every time.
 */
function perRun<T>(key: string, compute: () => T): T {
  const run = provdEnv('runLog');
  if (!run) return compute();
  const k = `${run}\0${key}`;
  if (!memo.has(k)) memo.set(k, compute());
  return memo.get(k) as T;
}

/** The commit changes are measured from: merge-base of `base` and HEAD, as `nx affected` does. */
export function resolveBase(root: string, base: string): string {
  return perRun(`base\0${root}\0${base}`, () => mergeBase(root, base));
}

function mergeBase(root: string, base: string): string {
  try {
    return git(root, ['merge-base', base, 'HEAD']).trim();
  } catch {
    try {
      return git(root, ['rev-parse', '--verify', `${base}^{commit}`]).trim();
    } catch {
      throw new GitError(`the version base '${base}' is not a git revision here (set --base, NX_BASE or nx.json defaultBase)`);
    }
  }
}

/**
 * Every file that differs between `commit` and the working tree, untracked
 * files included; each version task then writes only its own plugin-info.
 */
export function allChangedFiles(root: string, commit: string): string[] {
  return perRun(`changed\0${root}\0${commit}`, () => {
    // -z: names git would otherwise quote (non-ASCII, tab, quote, newline) come back as written
    const tracked = git(root, ['diff', '-z', '--name-only', '--no-renames', commit]);
    const untracked = git(root, ['ls-files', '-z', '--others', '--exclude-standard']);
    return [...new Set((tracked + untracked).split('\0').filter(Boolean))].sort();
  });
}

/** Files under `paths` (workspace-relative files or folders) that differ from `commit`. */
export function changedFiles(root: string, commit: string, paths: string[]): string[] {
  return allChangedFiles(root, commit).filter((f) => paths.some((p) => f === p || f.startsWith(p + '/')));
}

/** A file's content at a commit, or null when it did not exist there. */
export function showFile(root: string, commit: string, path: string): string | null {
  try {
    return git(root, ['show', `${commit}:${path}`]);
  } catch {
    return null;
  }
}
