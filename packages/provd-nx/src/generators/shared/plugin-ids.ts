import { readCachedProjectGraph, Tree, workspaceRoot } from '@nx/devkit';
import { posix } from 'node:path';
import { BUILD_FILE } from '../../recipe/family';
import { pluginOptions } from './plugin-options';
import { RecipeSource } from './recipe-source';

/**
 * Plugin ids declared anywhere in the workspace, with where: every family's
 * build.py as it stands in the tree (files this run wrote included), plus the
 * models of the last project graph (ids a recipe computes, which text cannot show).
 */
export function declaredPluginIds(tree: Tree): Map<string, string> {
  const ids = new Map<string, string>();
  const { pluginsDir } = pluginOptions(tree);
  for (const family of tree.exists(pluginsDir) ? tree.children(pluginsDir) : []) {
    const file = posix.join(pluginsDir, family, BUILD_FILE);
    const text = tree.read(file, 'utf-8');
    if (text === null) continue;
    for (const t of new RecipeSource(text, file).targets) ids.set(t.pluginId, `${file} (target '${t.folder}')`);
  }
  // the graph describes this workspace only when the generator runs on it (not in a virtual tree)
  if (tree.root === workspaceRoot) {
    try {
      for (const node of Object.values(readCachedProjectGraph().nodes)) {
        if (node.data.tags?.includes('type:model') && tree.exists(node.data.root) && !ids.has(node.name)) ids.set(node.name, `project ${node.name} (${node.data.root})`);
      }
    } catch {
      // no graph computed yet: build.py files are all there is
    }
  }
  return ids;
}

export function assertNewPluginIds(tree: Tree, wanted: string[]): void {
  const ids = declaredPluginIds(tree);
  for (const id of wanted) {
    const where = ids.get(id);
    if (where) throw new Error(`plugin id '${id}' already exists: ${where}. Choose another with --pluginId.`);
  }
}
