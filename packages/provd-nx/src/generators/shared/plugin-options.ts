import { readNxJson, Tree } from '@nx/devkit';
import { normalizeOptions, NormalizedOptions, ProvdPluginOptions } from '../../runtime/options';
import { PLUGIN_NAME } from '../../runtime/names';

/** The options of our entry in nx.json, defaults filled in (the generators write where inference looks). */
export function pluginOptions(tree: Tree): NormalizedOptions {
  const entry = readNxJson(tree)?.plugins?.find((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME);
  return normalizeOptions(typeof entry === 'object' ? (entry.options as ProvdPluginOptions) : undefined);
}
