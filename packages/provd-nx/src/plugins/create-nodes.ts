/** Inference: each family's build.py recorded and analyzed into family, shared-folder, model and repository projects. */
import {
  CreateNodes,
  CreateNodesContext,
  CreateNodesResult, ProjectConfiguration
} from '@nx/devkit';
import { calculateHashesForCreateNodes, globWithWorkspaceContext, hashObject, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { repositoryProject, familyTargets, modelTargets } from './project-configs';
import { TECHNOLOGIES } from './technologies';
import { TARGET_GROUPS, MODEL_TARGET_GROUPS } from './target-help';
import { ProvdPluginOptions, normalizeOptions, NormalizedOptions } from '../runtime/options';
import { pluginFingerprint } from './fingerprint';
import { recordFamilies } from '../recipe/recipe';
import { FamilyRecipe, BUILD_FILE, analyzeFamily } from '../recipe/family';
import { PluginInfo, readPluginInfo } from '../format/plugin-info';
import { familyModel, pluginInfoPath, ProvdMetadata, sharedProjectName } from '../build/model';
import { BrokenFamily, brokenFamilyNodes, duplicatePluginIds, inFile, isBrokenFamily, withBrokenModels } from './broken';
import { withUnhashedInputs } from './unhashed-inputs';
import { familyNamedInputs, literalGlob, sharedNamedInputs } from './model-inputs';
import { sharedTestTarget } from './test-targets';
import { targetDefaultsNameStepExecutors } from './release-steps';


/** Cached per family: the recipe analysis plus each model's plugin-info (or why it cannot be read). */
interface FamilyInference {
  recipe: FamilyRecipe;
  infos: Record<string, PluginInfo>;
  problems?: Record<string, string>;
}

export const createNodes: CreateNodes<ProvdPluginOptions> = [
  `**/${BUILD_FILE}`,
  async (buildFiles, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const familyRoots = buildFiles.map((f) => dirname(f)).filter((root) => dirname(root) === options.pluginsDir);
    if (familyRoots.length === 0) return [];
    // broken families are cached too (keyed by content: a fixed file re-infers)
    const cache = new PluginCache<FamilyInference | BrokenFamily>(
      join(workspaceDataDirectory, `provd-${hashObject(options)}.hash`)
    );
    const fingerprint = pluginFingerprint();
    const hashes = (await calculateHashesForCreateNodes(familyRoots, options, context)).map((h) => h + fingerprint);
    try {
      const { families, broken } = await inferFamilies(familyRoots, hashes, cache, context);
      // a broken part is warned about and its targets fail: it never fails the graph (broken.ts)
      const duplicates = duplicatePluginIds(families, BUILD_FILE);
      const filled = await foldersWithFiles(context.workspaceRoot, options.pluginsDir);
      const perStep = targetDefaultsNameStepExecutors(context.nxJsonConfiguration?.targetDefaults as Record<string, unknown> | undefined);
      const results = [
        ...families.map((family) => [posix.join(family.recipe.root, BUILD_FILE), withBrokenModels(familyNodes(family, options, fingerprint, context.workspaceRoot, filled, perStep), family, duplicates)] as const),
        ...broken.map((family) => [posix.join(family.root, BUILD_FILE), brokenFamilyNodes(family)] as const),
      ];
      // channel-wide targets ride on the first family's result
      results[0][1].projects![options.pluginsDir] = repositoryProject(options, context.workspaceRoot);
      return withUnhashedInputs(results, context.workspaceRoot, options.pluginsDir);
    } finally {
      cache.writeToDisk();
    }
  },
];

/** Nx < 23 name for the same batch API. */
export const createNodesV2 = createNodes;

async function inferFamilies(
  familyRoots: string[],
  hashes: string[],
  cache: PluginCache<FamilyInference | BrokenFamily>,
  context: CreateNodesContext
): Promise<{ families: FamilyInference[]; broken: BrokenFamily[] }> {
  const missing = familyRoots.filter((_, i) => !cache.has(hashes[i]));
  // One python process records every uncached family.
  const absolute = new Map(missing.map((root) => [root, realpathSync(join(context.workspaceRoot, root))]));
  const recorded = await recordFamilies([...absolute.values()]);
  for (const root of missing) {
    const hash = hashes[familyRoots.indexOf(root)];
    let recipe: FamilyRecipe;
    try {
      recipe = analyzeFamily(context.workspaceRoot, root, recorded[absolute.get(root)!] ?? { error: { message: 'no reply from recipe.py' } });
    } catch (e) {
      cache.set(hash, { root, error: inFile(posix.join(root, BUILD_FILE), (e as Error).message) });
      continue;
    }
    // one unreadable plugin-info breaks its model only
    const infos: Record<string, PluginInfo> = {};
    const problems: Record<string, string> = {};
    for (const model of recipe.models) {
      const file = pluginInfoPath({ familyRoot: root, folder: model.folder });
      try {
        infos[model.pluginId] = readPluginInfo(join(context.workspaceRoot, file), file);
      } catch (e) {
        problems[model.pluginId] = inFile(file, (e as Error).message);
      }
    }
    cache.set(hash, { recipe, infos, ...(Object.keys(problems).length ? { problems } : {}) });
  }
  const cached = familyRoots.map((_, i) => cache.get(hashes[i])!);
  return { families: cached.filter((c): c is FamilyInference => !isBrokenFamily(c)), broken: cached.filter(isBrokenFamily) };
}

/**
 * The family subfolders (`<pluginsDir>/<family>/<folder>`) holding a file Nx knows. A project
 * without one has no entry in Nx's project file map, and a project input naming it stops the
 * hasher ("project not found"): a symlinked folder, or one whose files git ignores.
 */
async function foldersWithFiles(workspaceRoot: string, pluginsDir: string): Promise<Set<string>> {
  const filled = new Set<string>();
  const depth = pluginsDir.split('/').length + 2;
  for (const file of await globWithWorkspaceContext(workspaceRoot, [`${literalGlob(pluginsDir)}/*/*/**`])) {
    const parts = file.split('/');
    // a file inside the folder: a symlinked folder is itself one entry, owned by the family project
    if (parts.length > depth) filled.add(parts.slice(0, depth).join('/'));
  }
  return filled;
}

function familyNodes(
  { recipe, infos }: FamilyInference,
  options: NormalizedOptions,
  fingerprint: string,
  workspaceRoot: string,
  filled: ReadonlySet<string>,
  /** the steps keep their own executors (release-steps.ts) */
  perStep = false
): CreateNodesResult {
  const projects: Record<string, ProjectConfiguration> = {};
  const ids = recipe.models.map((m) => m.pluginId);
  projects[recipe.root] = {
    root: recipe.root,
    name: recipe.name,
    projectType: 'library',
    namedInputs: familyNamedInputs(recipe.name),
    tags: ['type:family', `family:${recipe.name}`],
    metadata: {
      description: `provd plugin family ${recipe.name}: ${ids.length} model(s), recipe ${BUILD_FILE}`,
      technologies: TECHNOLOGIES,
      targetGroups: TARGET_GROUPS,
      provd: { kind: 'family', family: recipe.name, models: ids, sharedFolders: recipe.sharedFolders } satisfies ProvdMetadata,
    },
    targets: familyTargets(recipe),
  };
  // folders whose files Nx gives a project of theirs: build inputs name them (model-inputs.ts)
  const projectFolders = new Set(recipe.models.map((m) => m.folder).filter((f) => filled.has(posix.join(recipe.root, f))));
  for (const folder of recipe.sharedFolders) {
    // a symlinked folder holds no files of its own for Nx: the family project owns the link
    if (!isRealDirectory(join(workspaceRoot, recipe.root, folder))) continue;
    if (filled.has(posix.join(recipe.root, folder))) projectFolders.add(folder);
    const usedBy = recipe.models.filter((m) => m.reads.includes(folder)).map((m) => m.pluginId);
    projects[posix.join(recipe.root, folder)] = {
      root: posix.join(recipe.root, folder),
      name: sharedProjectName(recipe.name, folder),
      projectType: 'library',
      namedInputs: sharedNamedInputs(recipe.name, folder),
      tags: ['type:shared', `family:${recipe.name}`],
      metadata: {
        description: `Folder ${folder}/ of family ${recipe.name}, copied by ${usedBy.join(', ')}`,
        technologies: TECHNOLOGIES,
        provd: { kind: 'shared', family: recipe.name, folder, usedBy } satisfies ProvdMetadata,
      },
      targets: { test: sharedTestTarget(recipe, folder, options, filled.has(posix.join(recipe.root, folder))) },
    };
  }
  for (const model of recipe.models) {
    const info = infos[model.pluginId];
    if (!info) continue; // a broken model: withBrokenModels gives it failing targets
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
        targetGroups: MODEL_TARGET_GROUPS,
        provd: metadata,
      },
      targets: modelTargets(metadata, options, fingerprint, projectFolders, perStep),
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
