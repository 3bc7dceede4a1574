import {
  AggregateCreateNodesError,
  CreateDependencies,
  CreateNodes,
  CreateNodesContext,
  CreateNodesResult,
  DependencyType,
  PostTasksExecution,
  PreTasksExecution,
  ProjectConfiguration,
  RawProjectGraphDependency,
  TargetConfiguration,
} from '@nx/devkit';
import { calculateHashesForCreateNodes, hashObject, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { analyzeFamily, BUILD_FILE, FamilyRecipe, modelInputPaths } from '../lib/family';
import { pluginFingerprint } from '../lib/fingerprint';
import { normalizeOptions, NormalizedOptions, ProvdPluginOptions } from '../lib/options';
import { ModelMetadata, ProvdMetadata, sharedProjectName } from '../lib/metadata';
import { PLUGIN_INFO, PluginInfo, readPluginInfo } from '../lib/plugin-info';
import { recordFamilies } from '../lib/recipe';
import { readRunLog, RUN_LOG_ENV, runLogFile, summaryTable } from '../lib/run-log';
import { bumpsOf, commitBumps, commitCommand, commitMessage } from '../lib/bump-commit';

import { PLUGIN_NAME } from '../lib/names';

export { PLUGIN_NAME };
const TECHNOLOGIES = ['provd'];
export const REPOSITORY_PROJECT = 'provd-repository';

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
        const file = posix.join(root, model.folder, PLUGIN_INFO);
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
  const modelFolders = new Map(recipe.models.map((m) => [m.folder, m.pluginId]));
  for (const model of recipe.models) {
    const info = infos[model.pluginId];
    const root = posix.join(recipe.root, model.folder);
    const metadata: ModelMetadata = {
      kind: 'model',
      family: recipe.name,
      familyRoot: recipe.root,
      version: info.version,
      sharedFolders: model.reads.filter((r) => recipe.sharedFolders.includes(r)),
      modelDeps: model.reads.filter((r) => r !== model.folder && modelFolders.has(r)).map((r) => modelFolders.get(r)!),
      ...model,
    };
    projects[root] = {
      root,
      name: model.pluginId,
      projectType: 'library',
      tags: ['type:model', `family:${recipe.name}`],
      metadata: {
        description: `${info.description} (version ${info.version}, target '${model.targetId}' of ${recipe.name}/${BUILD_FILE})`,
        technologies: TECHNOLOGIES,
        provd: metadata,
      },
      targets: modelTargets(metadata, options, fingerprint),
    };
  }
  return { projects };
}

/**
 * Family targets run the same target of every model of the family, with the options
 * given to the family (params: 'forward'), so `--channel=stable` is never dropped.
 * promote and status are one task per family: one plan, one table.
 */
function familyTargets(recipe: FamilyRecipe): Record<string, TargetConfiguration> {
  const ids = recipe.models.map((m) => m.pluginId);
  const all = (target: string, what: string): TargetConfiguration => ({
    executor: 'nx:noop',
    dependsOn: [{ projects: ids, target, params: 'forward' }],
    metadata: { description: `${what} every model of ${recipe.name} (${ids.length}); options are passed on to each model`, technologies: TECHNOLOGIES },
  });
  return {
    build: all('build', 'Build'),
    version: all('version', 'Version'),
    publish: all('publish', 'Publish to the testing channel'),
    promote: promoteTarget(`every model of ${recipe.name} (${ids.length})`),
    // status compares the built packages of the current sources (cache hits) with testing's
    status: { ...statusTarget(`model of ${recipe.name}`), dependsOn: [{ projects: ids, target: 'build' }] },
  };
}

function promoteTarget(what: string): TargetConfiguration {
  return {
    executor: `${PLUGIN_NAME}:promote`,
    cache: false,
    inputs: [],
    metadata: {
      description: `Promote ${what} from testing to stable byte for byte (superseded packages to archive/); --dry-run plan, --models, --allow-downgrade, --prune; rollback: --from archive --models <id> --version <v>`,
      technologies: TECHNOLOGIES,
    },
  };
}

function statusTarget(what: string): TargetConfiguration {
  return {
    executor: `${PLUGIN_NAME}:status`,
    cache: false,
    inputs: [],
    metadata: {
      description: `One row per ${what}: source, testing and stable versions, needs bump, ready to promote, orphans; --json`,
      technologies: TECHNOLOGIES,
    },
  };
}

/** The repository project: channel-wide targets. */
function repositoryProject(options: NormalizedOptions): ProjectConfiguration {
  return {
    root: options.pluginsDir,
    name: REPOSITORY_PROJECT,
    projectType: 'library',
    tags: ['type:repository'],
    metadata: {
      description: `The provd repository the plugins are released to (${options.repository}; PROVD_REPOSITORY overrides)`,
      technologies: TECHNOLOGIES,
    },
    targets: {
      status: { ...statusTarget('model of the collection'), dependsOn: [{ projects: ['tag:type:model'], target: 'build' }] },
      verify: {
        executor: `${PLUGIN_NAME}:verify`,
        cache: false,
        inputs: [],
        options: { channel: 'testing' },
        configurations: { testing: { channel: 'testing' }, stable: { channel: 'stable' }, archive: { channel: 'archive' } },
        metadata: {
          description: 'Verify a channel as provd reads it: files, sizes, SHA-1s, package layout, plugin-info vs plugins.db (-c stable for stable)',
          technologies: TECHNOLOGIES,
        },
      },
    },
  };
}

/** Inputs of everything a model's package is made of: the same paths that move its version. */
export function modelInputs(model: Parameters<typeof modelInputPaths>[0], fingerprint: string) {
  const buildFile = posix.join(model.familyRoot, BUILD_FILE);
  return [
    ...modelInputPaths(model).map((p) => (p === buildFile ? `{workspaceRoot}/${p}` : `{workspaceRoot}/${p}/**/*`)),
    // our own code: a new plugin version must rebuild
    { runtime: `echo provd-nx ${fingerprint}` },
  ];
}

function modelTargets(
  model: ModelMetadata,
  options: NormalizedOptions,
  fingerprint: string
): Record<string, TargetConfiguration> {
  const id = model.pluginId;
  const dist = options.distDir;
  const how =
    model.replay === 'native'
      ? `${model.steps.length} copy step(s) replayed natively`
      : `recipe function run with python3`;
  return {
    // build packages the current sources (cached); version compares that package with the
    // released one, bumps and rebuilds if needed; publish releases what version left in dist/
    build: {
      executor: `${PLUGIN_NAME}:build`,
      cache: true,
      inputs: modelInputs(model, fingerprint),
      // [0-9]: versions start with a digit, so id 'x-1' does not capture id 'x-1-SP4''s packages
      outputs: [`{workspaceRoot}/${dist}/plugins/${id}`, `{workspaceRoot}/${dist}/packages/${id}-[0-9]*.tar.bz2`],
      metadata: {
        description: `Build ${id} into ${dist}/plugins/${id} and package it as ${dist}/packages/${id}-<version>.tar.bz2 (${how})`,
        technologies: TECHNOLOGIES,
      },
    },
    version: {
      executor: `${PLUGIN_NAME}:version`,
      cache: false,
      dependsOn: ['build'],
      options: { channel: 'testing' },
      metadata: {
        description: `Bump ${id}'s plugin-info version (patch; --bump minor|major|x.y.z) if its built package differs from the one the channel holds under the same version, and rebuild; offline: if ${model.folder}/, ${[...model.sharedFolders.map((f) => f + '/'), BUILD_FILE].join(', ')} changed since the git base; --check for CI, --dry-run, --commit`,
        technologies: TECHNOLOGIES,
      },
    },
    publish: {
      executor: `${PLUGIN_NAME}:publish`,
      cache: false,
      // --channel, --repository, --dry-run, --commit reach the version task that decides the bump
      dependsOn: [{ target: 'version', params: 'forward' }],
      options: { channel: 'testing' },
      metadata: {
        description: `Upload ${id}'s package to the testing channel and update its plugins.db (refuses same version with other bytes); --dry-run`,
        technologies: TECHNOLOGIES,
      },
    },
    promote: promoteTarget(id),
  };
}

/**
 * Each model depends on what its recipe reads: the family (build.py), the
 * shared folders it copies, and any other model folder it copies.
 */
export const createDependencies: CreateDependencies<ProvdPluginOptions> = (_options, context) => {
  const deps: RawProjectGraphDependency[] = [];
  for (const [name, project] of Object.entries(context.projects)) {
    const meta = project.metadata?.provd as ProvdMetadata | undefined;
    if (meta?.kind !== 'model') continue;
    const targets = [meta.family, ...meta.sharedFolders.map((f) => sharedProjectName(meta.family, f)), ...meta.modelDeps];
    if (meta.readsFamilyRoot || meta.reads.includes('.')) {
      const family = context.projects[meta.family]?.metadata?.provd as ProvdMetadata | undefined;
      if (family?.kind === 'family') targets.push(...family.sharedFolders.map((f) => sharedProjectName(meta.family, f)));
    }
    for (const target of new Set(targets)) {
      if (target !== name && context.projects[target]) {
        deps.push({ source: name, target, type: DependencyType.implicit });
      }
    }
  }
  return deps;
};

/**
 * Before tasks run: `nx affected --base=X` keeps --base to itself, so hand it
 * to the version executors, and open this run's log for the summary table.
 */
export const preTasksExecution: PreTasksExecution<ProvdPluginOptions> = (_options, context) => {
  // Always set, so a long-lived worker never carries one run's flags into the next.
  // --bump and --dry-run reach the version tasks that publish depends on this way,
  // without becoming build overrides (which would change build hashes).
  process.env.PROVD_BASE = argValue(context.argv, 'base') ?? '';
  process.env.PROVD_BUMP = argValue(context.argv, 'bump') ?? '';
  // `--version` is nx's own flag: promote --from archive reads the version to restore from here
  process.env.PROVD_RESTORE_VERSION = argValue(context.argv, 'version') ?? '';
  process.env.PROVD_COMMIT = context.argv.some((a) => a === '--commit' || a === '--commit=true') ? 'true' : '';
  process.env.PROVD_DRY_RUN = context.argv.some((a) => a === '--dry-run' || a === '--dryRun' || a === '--dry-run=true') ? 'true' : '';
  process.env[RUN_LOG_ENV] = runLogFile(context.id);
};

/** After tasks: one table of what moved and where it went. */
export const postTasksExecution: PostTasksExecution<ProvdPluginOptions> = (_options, context) => {
  const records = readRunLog(runLogFile(context.id));
  const table = summaryTable(records);
  if (table) console.log(`\n provd summary\n\n${table}\n`);
  const bumps = bumpsOf(records);
  if (bumps.length === 0) return;
  console.log(` bumped: ${bumps.map((b) => b.file).join(', ')}`);
  if (process.env.PROVD_COMMIT === 'true' || records.some((r) => r.commit)) {
    console.log(` committed ${commitBumps(context.workspaceRoot, bumps)}: ${commitMessage(bumps).split('\n')[0]}\n`);
  } else console.log(` record them: ${commitCommand(bumps)}\n`);
};

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
