/**
 * What a plugin id may be. An id names a folder in provd's plugins directory, the
 * top folder and file name of its package, and a path in every channel URL, so it
 * must be one safe path component on every file system and in rsync and HTTP paths.
 */
const PLUGIN_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** Leaves room for `-<version>.tar.bz2` and temporary suffixes within a 255-byte file name. */
export const MAX_PLUGIN_ID_LENGTH = 128;
export const PLUGIN_ID_RULE = `letters, digits and . _ + - only, starting with a letter or digit, no '..', at most ${MAX_PLUGIN_ID_LENGTH} characters`;

/** Why `id` is not a valid plugin id, or null when it is one. */
export function pluginIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id === '') return 'a plugin id must be a non-empty string';
  const problem =
    id.length > MAX_PLUGIN_ID_LENGTH ? `is ${id.length} characters long` : !PLUGIN_ID.test(id) || id.includes('..') ? 'has characters or a form that is not allowed' : null;
  return problem && `plugin id ${JSON.stringify(id)} ${problem} (${PLUGIN_ID_RULE})`;
}

export class PluginIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginIdError';
  }
}

/** Throws a PluginIdError unless `id` is a valid plugin id; `where` prefixes the message. */
export function checkPluginId(id: unknown, where?: string): string {
  const problem = pluginIdProblem(id);
  if (problem) throw new PluginIdError(where ? `${where}: ${problem}` : problem);
  return id as string;
}
