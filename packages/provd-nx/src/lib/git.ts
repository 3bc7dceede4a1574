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
const bases = new Map<string, string>();

export function resolveBase(root: string, base: string): string {
  const key = `${root}\0${base}`;
  if (!bases.has(key)) bases.set(key, mergeBase(root, base));
  return bases.get(key)!;
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

const changedSince = new Map<string, string[]>();

/**
 * Every file that differs between `commit` and the working tree, untracked
 * files included. Asked once per process: a batch of version tasks shares it
 * (each task only writes its own plugin-info, after reading this).
 */
export function allChangedFiles(root: string, commit: string): string[] {
  const key = `${root}\0${commit}`;
  let files = changedSince.get(key);
  if (!files) {
    const tracked = git(root, ['diff', '--name-only', '--no-renames', commit]);
    const untracked = git(root, ['ls-files', '--others', '--exclude-standard']);
    files = [...new Set((tracked + untracked).split('\n').filter(Boolean))].sort();
    changedSince.set(key, files);
  }
  return files;
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
