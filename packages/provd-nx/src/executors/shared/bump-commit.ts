/**
 * Recording bumps in git: the plugin-info files a run bumped, the command that commits
 * them, and that commit itself (--commit). Done once at the end of a run, not by each
 * version task: batched tasks running in parallel would fight over git's index lock, and
 * one commit names every model and version of the run.
 */
import { git } from '../../version/git';
import type { RunRecord } from './run-log';

export interface Bump {
  pluginId: string;
  from: string;
  to: string;
  file: string;
}

/** The command that bumps a model whose contents changed under a released version. */
export function fixCommand(pluginId: string): string {
  return `npx nx run ${pluginId}:version`;
}

export function bumpsOf(records: RunRecord[]): Bump[] {
  return records
    .filter((r) => r.task === 'version' && r.status === 'bumped' && r.file && r.to)
    .map((r) => ({ pluginId: r.pluginId, from: r.from ?? '', to: r.to!, file: r.file! }))
    .sort((a, b) => a.pluginId.localeCompare(b.pluginId));
}

export function commitMessage(bumps: Bump[]): string {
  const names = bumps.map((b) => `${b.pluginId} ${b.to}`);
  const subject = bumps.length === 1 ? `release ${names[0]}` : `release ${bumps.length} provd plugins`;
  return bumps.length === 1 ? subject : `${subject}\n\n${names.map((n) => `- ${n}`).join('\n')}\n`;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The line a maintainer runs to record the bumps (the subject line only: one -m). */
export function commitCommand(bumps: Bump[]): string {
  const subject = commitMessage(bumps).split('\n')[0];
  return `git add ${bumps.map((b) => quote(b.file)).join(' ')} && git commit -m ${quote(subject)}`;
}

/** Commit exactly the bumped files (other staged changes are left staged, not committed). */
export function commitBumps(root: string, bumps: Bump[]): string {
  const files = bumps.map((b) => b.file);
  git(root, ['add', '--', ...files]);
  git(root, ['commit', '-q', '-m', commitMessage(bumps), '--only', '--', ...files]);
  return git(root, ['rev-parse', '--short', 'HEAD']).trim();
}
