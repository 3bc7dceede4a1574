import { pluginIdProblem } from './domain';

/** Names that may appear in a request path: one safe component each, never a dot file. */
const CHANNEL_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,254}$/;

/** The channel that only receives superseded packages (moved there by publish). */
export const ARCHIVE = 'archive';

export class BadName extends Error {}

export function checkChannelName(name: string): string {
  if (!CHANNEL_RE.test(name) || name.includes('..')) throw new BadName(`invalid channel name ${JSON.stringify(name)}`);
  return name;
}

export function checkPackageName(name: string): string {
  if (!FILE_RE.test(name) || name.includes('..') || !name.endsWith('.tar.bz2')) {
    throw new BadName(`invalid package file name ${JSON.stringify(name)} (expected <plugin-id>-<version>.tar.bz2)`);
  }
  return name;
}

/** The plugin's own rule (@provd/nx): the server accepts exactly the ids the plugin builds. */
export function checkPluginId(id: unknown): string {
  const problem = pluginIdProblem(id);
  if (problem) throw new BadName(`invalid plugin id: ${problem}`);
  return id as string;
}

/** `/plugins/2/` -> `/plugins/2`; the prefix must be an absolute path of safe segments. */
export function normalizePrefix(prefix: string): string {
  const p = `/${prefix.split('/').filter(Boolean).join('/')}`;
  if (!/^(\/[A-Za-z0-9_.~-]+)+$/.test(p) || p.split('/').some((s) => s === '.' || s === '..' || s === '-')) {
    throw new Error(`invalid --prefix ${JSON.stringify(prefix)} (expected something like /plugins/2)`);
  }
  return p;
}
