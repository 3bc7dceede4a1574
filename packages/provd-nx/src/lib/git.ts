import { execFileSync } from 'node:child_process';

export class GitError extends Error {}

export function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GitError(`git ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

/** The commit changes are measured from: merge-base of `base` and HEAD, as `nx affected` does. */
export function resolveBase(root: string, base: string): string {
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

/** Files under `paths` that differ between `commit` and the working tree, untracked files included. */
export function changedFiles(root: string, commit: string, paths: string[]): string[] {
  if (paths.length === 0) return [];
  const tracked = git(root, ['diff', '--name-only', '--no-renames', commit, '--', ...paths]);
  const untracked = git(root, ['ls-files', '--others', '--exclude-standard', '--', ...paths]);
  return [...new Set((tracked + untracked).split('\n').filter(Boolean))].sort();
}

/** A file's content at a commit, or null when it did not exist there. */
export function showFile(root: string, commit: string, path: string): string | null {
  try {
    return git(root, ['show', `${commit}:${path}`]);
  } catch {
    return null;
  }
}
