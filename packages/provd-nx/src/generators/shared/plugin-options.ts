import { readNxJson, Tree } from '@nx/devkit';
import { NormalizedOptions, pluginOptionsOf } from '../../runtime/options';

/** The options of our entry in nx.json, defaults filled in (the generators write where inference looks). */
export function pluginOptions(tree: Tree): NormalizedOptions {
  return pluginOptionsOf(readNxJson(tree));
}
