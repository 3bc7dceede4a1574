import { join, posix } from 'node:path';
import { BUILD_FILE, FamilyRecipe, ModelRecipe } from '../recipe/family';
import { PLUGIN_INFO, readPluginInfo } from '../format/plugin-info';

/** A model: its recipe, where its family lives, and what the inference learned about it. */
export interface Model extends ModelRecipe {
  kind: 'model';
  family: string;
  /** workspace-relative family folder */
  familyRoot: string;
  /** the plugin-info version at inference time */
  version: string;
  /** shared folders of the family this model's recipe reads */
  sharedFolders: string[];
  /** plugin ids of the other models whose folders this model's recipe reads */
  modelDeps: string[];
}

/** What the plugin keeps in project metadata, so executors and dependencies need not re-read recipes. */
export type ProvdMetadata =
  | { kind: 'family'; family: string; models: string[]; sharedFolders: string[] }
  | { kind: 'shared'; family: string; folder: string; usedBy: string[] }
  | Model;

/** The model of `model`'s recipe within its analyzed family. */
export function familyModel(recipe: FamilyRecipe, model: ModelRecipe, version: string): Model {
  const modelFolders = new Map(recipe.models.map((m) => [m.folder, m.pluginId]));
  return {
    kind: 'model',
    family: recipe.name,
    familyRoot: recipe.root,
    version,
    sharedFolders: model.reads.filter((r) => recipe.sharedFolders.includes(r)),
    modelDeps: model.reads.filter((r) => r !== model.folder && modelFolders.has(r)).map((r) => modelFolders.get(r)!),
    ...model,
  };
}

/** The workspace-relative path of a model's plugin-info. */
export function pluginInfoPath(model: Pick<Model, 'familyRoot' | 'folder'>): string {
  return posix.join(model.familyRoot, model.folder, PLUGIN_INFO);
}

/** A model's version now: its plugin-info's, as the version task left it (not the inferred one). */
export function modelVersion(workspaceRoot: string, model: Pick<Model, 'familyRoot' | 'folder'>): string {
  const file = pluginInfoPath(model);
  return readPluginInfo(join(workspaceRoot, file), file).version;
}

/**
 * Workspace-relative paths a model is made of: its folder, build.py and what its recipe reads.
 * A change in one moves its version; they are also its build inputs.
 */
export function modelInputPaths(model: Pick<Model, 'familyRoot' | 'folder' | 'reads' | 'readsFamilyRoot'>): string[] {
  const paths = new Set<string>([posix.join(model.familyRoot, model.folder), posix.join(model.familyRoot, BUILD_FILE)]);
  for (const r of model.reads) paths.add(r === '.' ? model.familyRoot : posix.join(model.familyRoot, r));
  if (model.readsFamilyRoot) paths.add(model.familyRoot);
  return [...paths].sort();
}

export function sharedProjectName(family: string, folder: string): string {
  return `${family}/${folder}`;
}
