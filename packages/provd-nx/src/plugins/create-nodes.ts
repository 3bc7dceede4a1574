/** Inference: each family's build.py recorded and analyzed into family, shared-folder, model and repository projects. */
import {
  AggregateCreateNodesError, CreateNodes,
  CreateNodesContext,
  CreateNodesResult, ProjectConfiguration
} from '@nx/devkit';
import { calculateHashesForCreateNodes, hashObject, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { repositoryProject, TECHNOLOGIES, familyTargets, modelTargets } from './project-configs';
import { TARGET_GROUPS } from './target-help';
import { ProvdPluginOptions, normalizeOptions, NormalizedOptions } from '../utils/options';
import { pluginFingerprint } from '../utils/fingerprint';
import { recordFamilies } from '../recipe/recipe';
import { FamilyRecipe, BUILD_FILE, analyzeFamily } from '../recipe/family';
import { PluginInfo, readPluginInfo } from '../model/plugin-info';
import { familyModel, pluginInfoPath, ProvdMetadata, sharedProjectName } from '../model/model';


/** Cached per family: the recipe analysis plus each model's plugin-info. */
interface FamilyInference {
  recipe: FamilyRecipe;
  infos: Record<string, PluginInfo>;
}

export const createNodes: CreateNodes<ProvdPluginOptions> = [
  `**/${BUILD_FILE}`,
  async (buildFiles, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const familyRoots = buildFiles.map((f) => dirname(f)).filter((root) => dirname(root) === options.pluginsDir);
    if (familyRoots.length === 0) return [];
    const cache = new PluginCache<FamilyInference>(
      join(workspaceDataDirectory, `provd-${hashObject(options)}.hash`)
    );
    const fingerprint = pluginFingerprint();
    const hashes = (await calculateHashesForCreateNodes(familyRoots, options, context)).map((h) => h + fingerprint);
    try {
      const { families, errors } = await inferFamilies(familyRoots, hashes, cache, context);
      const results = families.map((family) => [posix.join(family.recipe.root, BUILD_FILE), familyNodes(family, options, fingerprint, context.workspaceRoot)] as const);
      errors.push(...duplicatePluginIds(families));
      // Nx lists each file's problem, and keeps the good families' projects
      if (errors.length) throw new AggregateCreateNodesError(errors, results);
      // channel-wide targets ride on the first family's result
      results[0][1].projects![options.pluginsDir] = repositoryProject(options);
      return results;
    } finally {
      cache.writeToDisk();
    }
  },
];

/** Nx < 23 name for the same batch API. */
export const createNodesV2 = createNodes;

type FileError = [file: string, error: Error];

async function inferFamilies(
  familyRoots: string[],
  hashes: string[],
  cache: PluginCache<FamilyInference>,
  context: CreateNodesContext
): Promise<{ families: FamilyInference[]; errors: FileError[] }> {
  const missing = familyRoots.filter((_, i) => !cache.has(hashes[i]));
  // One python process records every uncached family.
  const absolute = new Map(missing.map((root) => [root, realpathSync(join(context.workspaceRoot, root))]));
  const recorded = await recordFamilies([...absolute.values()]);
  const errors: FileError[] = [];
  for (const root of missing) {
    try {
      const recipe = analyzeFamily(context.workspaceRoot, root, recorded[absolute.get(root)!] ?? { error: { message: 'no reply from recipe.py' } });
      const infos: Record<string, PluginInfo> = {};
      for (const model of recipe.models) {
        const file = pluginInfoPath({ familyRoot: root, folder: model.folder });
        infos[model.pluginId] = readPluginInfo(join(context.workspaceRoot, file), file);
      }
      cache.set(hashes[familyRoots.indexOf(root)], { recipe, infos });
    } catch (e) {
      // Nx heads each error with its file: say a file's name only when it is another one
      const file = posix.join(root, BUILD_FILE);
      const message = (e as Error).message;
      errors.push([file, message.startsWith(`${file}: `) ? new Error(message.slice(file.length + 2)) : (e as Error)]);
    }
  }
  const families = familyRoots.filter((_, i) => cache.has(hashes[i])).map((root) => cache.get(hashes[familyRoots.indexOf(root)])!);
  return { families, errors };
}

function duplicatePluginIds(families: FamilyInference[]): FileError[] {
  const seen = new Map<string, string>();
  const errors: FileError[] = [];
  for (const { recipe } of families) {
    for (const model of recipe.models) {
      const file = posix.join(recipe.root, BUILD_FILE);
      const where = `${file} (target '${model.targetId}')`;
      const first = seen.get(model.pluginId);
      if (first) errors.push([file, new Error(`plugin id '${model.pluginId}' is declared twice: ${first} and ${where}`)]);
      else seen.set(model.pluginId, where);
    }
  }
  return errors;
}

function familyNodes({ recipe, infos }: FamilyInference, options: NormalizedOptions, fingerprint: string, workspaceRoot: string): CreateNodesResult {
  const projects: Record<string, ProjectConfiguration> = {};
  const ids = recipe.models.map((m) => m.pluginId);
  projects[recipe.root] = {
    root: recipe.root,
    name: recipe.name,
    projectType: 'library',
    tags: ['type:family', `family:${recipe.name}`],
    metadata: {
      description: `provd plugin family ${recipe.name}: ${ids.length} model(s), recipe ${BUILD_FILE}`,
      technologies: TECHNOLOGIES,
      targetGroups: TARGET_GROUPS,
      provd: { kind: 'family', family: recipe.name, models: ids, sharedFolders: recipe.sharedFolders } satisfies ProvdMetadata,
    },
    targets: familyTargets(recipe),
  };
  for (const folder of recipe.sharedFolders) {
    // a symlinked folder holds no files of its own for Nx: the family project owns the link
    if (!isRealDirectory(join(workspaceRoot, recipe.root, folder))) continue;
    const usedBy = recipe.models.filter((m) => m.reads.includes(folder)).map((m) => m.pluginId);
    projects[posix.join(recipe.root, folder)] = {
      root: posix.join(recipe.root, folder),
      name: sharedProjectName(recipe.name, folder),
      projectType: 'library',
      tags: ['type:shared', `family:${recipe.name}`],
      metadata: {
        description: `Folder ${folder}/ of family ${recipe.name}, copied by ${usedBy.join(', ')}`,
        technologies: TECHNOLOGIES,
        provd: { kind: 'shared', family: recipe.name, folder, usedBy } satisfies ProvdMetadata,
      },
      targets: {},
    };
  }
  for (const model of recipe.models) {
    const info = infos[model.pluginId];
    const root = posix.join(recipe.root, model.folder);
    const metadata = familyModel(recipe, model, info.version);
    projects[root] = {
      root,
      name: model.pluginId,
      projectType: 'library',
      tags: ['type:model', `family:${recipe.name}`],
      metadata: {
        description: `${info.description} (version ${info.version}, target '${model.targetId}' of ${recipe.name}/${BUILD_FILE})`,
        technologies: TECHNOLOGIES,
        targetGroups: TARGET_GROUPS,
        provd: metadata,
      },
      targets: modelTargets(metadata, options, fingerprint),
    };
  }
  return { projects };
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
