/** The targets of each kind of project. */
import {
  ProjectConfiguration, TargetConfiguration
} from '@nx/devkit';
import { PLUGIN_NAME } from '../runtime/names';
import { NormalizedOptions } from '../runtime/options';
import { BUILD_FILE, FamilyRecipe } from '../recipe/family';
import { Model } from '../build/model';
import { locationKind } from '../repository/location';
import { targetHelp } from './target-help';
import { literalGlob, modelInputs } from './model-inputs';
import { packageFileName } from '../format/package-name';
import { CHECK_FIRMWARE, checkFirmwareTarget } from './check-firmware-target';
import { familyTestTarget, modelTestTarget } from './test-targets';
import { TECHNOLOGIES } from './technologies';
import { stepExecutor } from './release-steps';

export const REPOSITORY_PROJECT = 'provd-repository';

/**
 * Family targets run the same target of every model of the family, with the options
 * given to the family (params: 'forward'), so `--channel=stable` is never dropped.
 * promote and status are one task per family: one plan, one table.
 */
export function familyTargets(recipe: FamilyRecipe): Record<string, TargetConfiguration> {
  const ids = recipe.models.map((m) => m.pluginId);
  const all = (target: string, what: string): TargetConfiguration => ({
    executor: 'nx:noop',
    dependsOn: [{ projects: ids, target, params: 'forward' }],
    // the options are those of the models' executor, which does the work
    metadata: {
      description: `${what} every model of ${recipe.name} (${ids.length}); options are passed on to each model`,
      technologies: TECHNOLOGIES,
      help: targetHelp(ids[0] ?? recipe.name, target),
    },
  });
  return {
    build: all('build', 'Build'),
    version: all('version', 'Version'),
    publish: all('publish', 'Publish to the testing channel'),
    test: familyTestTarget(recipe),
    promote: promoteTarget(recipe.name, `every model of ${recipe.name} (${ids.length})`),
    // status compares the built packages of the current sources (cache hits) with testing's
    status: { ...statusTarget(recipe.name, `model of ${recipe.name}`), dependsOn: [{ projects: ids, target: 'build' }] },
    [CHECK_FIRMWARE]: checkFirmwareTarget(recipe.name, `every model of ${recipe.name} (${ids.length})`, recipe.root),
  };
}

function promoteTarget(project: string, what: string): TargetConfiguration {
  return channelTarget(project, 'promote', `Promote ${what} from testing to stable byte for byte, only bytes a test passed on (superseded packages to archive/); --dry-run plan, --models, --allow-downgrade, --prune; rollback: --from archive --models <id> --version=<v>`);
}

function statusTarget(project: string, what: string): TargetConfiguration {
  return channelTarget(project, 'status', `One row per ${what}: source, testing and stable versions, needs bump, ready to promote, orphans; --json`);
}

/** A target that reads or writes channels: never cached, no file inputs. */
function channelTarget(project: string, executor: string, description: string): TargetConfiguration {
  return {
    executor: `${PLUGIN_NAME}:${executor}`,
    cache: false,
    inputs: [],
    metadata: { description, technologies: TECHNOLOGIES, help: targetHelp(project, executor) },
  };
}

/** The repository project: channel-wide targets. */
/**
 * The server is @provd/repo's (its `serve` executor): @provd/nx does not depend on it. Where it is
 * not installed, the target says how to get it instead of Nx's "unable to resolve".
 */
function serveExecutor(repository: string, workspaceRoot: string): Pick<TargetConfiguration, 'executor' | 'options' | 'continuous'> {
  try {
    require.resolve(`${REPO_PACKAGE}/package.json`, { paths: [workspaceRoot] });
    return { executor: `${REPO_PACKAGE}:serve`, options: { root: repository }, continuous: true };
  } catch {
    return {
      executor: `${PLUGIN_NAME}:fail`,
      options: { message: `${REPOSITORY_PROJECT}:serve runs the provd repository server from ${REPO_PACKAGE}, which is not installed here: npm install -D ${REPO_PACKAGE}` },
    };
  }
}

/** The package of the repository server. */
export const REPO_PACKAGE = '@provd/repo';

export function repositoryProject(options: NormalizedOptions, workspaceRoot: string): ProjectConfiguration {
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
      'init-repository': {
        executor: `${PLUGIN_NAME}:init-repository`,
        cache: false,
        inputs: [],
        metadata: {
          description: 'Create the repository (testing and stable with empty indexes); publish refuses a repository that does not exist, except the default dist/repository',
          technologies: TECHNOLOGIES,
          help: targetHelp(REPOSITORY_PROJECT, 'init-repository'),
        },
      },
      status: { ...statusTarget(REPOSITORY_PROJECT, 'model of the collection'), dependsOn: [{ projects: ['tag:type:model'], target: 'build' }] },
      verify: {
        executor: `${PLUGIN_NAME}:verify`,
        cache: false,
        inputs: [],
        options: { channel: 'testing' },
        configurations: { testing: { channel: 'testing' }, stable: { channel: 'stable' }, archive: { channel: 'archive' } },
        metadata: {
          description: 'Verify a channel as provd reads it: files, sizes, SHA-1s, package layout, plugin-info vs plugins.db (-c stable for stable)',
          technologies: TECHNOLOGIES,
          help: targetHelp(REPOSITORY_PROJECT, 'verify'),
        },
      },
      // a local repository folder can be served to provd (and published to) by provd-repo
      ...(locationKind(options.repository) === 'local' && {
        serve: {
          // continuous only when it serves: a failing continuous task would not fail `nx run`
          ...serveExecutor(options.repository, workspaceRoot),
          cache: false,
          inputs: [],
          metadata: {
            description: 'Serve the repository folder to provd and browsers on 127.0.0.1:8667/plugins/2/<channel>/ (--port, --host, --prefix, --tokens)',
            technologies: TECHNOLOGIES,
            help: targetHelp(REPOSITORY_PROJECT, 'serve'),
          },
        },
      }),
    },
  };
}

/**
 * The build's cached output: the package of the version the graph was inferred with, by its
 * exact name. A glob such as `<id>-[0-9]*.tar.bz2` makes Nx list dist/packages for every task
 * (2 ms at 2400 packages, several times per task: quadratic), and could also capture the
 * packages of a longer id. A version that makes no file name keeps the glob (its build fails).
 */
export function packageOutput(dist: string, model: Pick<Model, 'pluginId' | 'version'>): string {
  let name: string;
  try {
    name = packageFileName(model.pluginId, model.version);
  } catch {
    // [0-9]: versions start with a digit, so id 'x-1' does not capture id 'x-1-SP4''s packages
    return `{workspaceRoot}/${literalGlob(`${dist}/packages/${model.pluginId}-`)}[0-9]*.tar.bz2`;
  }
  return `{workspaceRoot}/${literalGlob(`${dist}/packages/${name}`)}`;
}

function nativeSteps(model: Model): string {
  const seds = model.steps.filter((s) => 'sed' in s).length;
  const copies = `${model.steps.length - seds} copy step(s)`;
  return `${seds ? `${copies} and ${seds} sed step(s)` : copies} replayed natively`;
}

export function modelTargets(
  model: Model,
  options: NormalizedOptions,
  fingerprint: string,
  /** family-relative folders that are projects holding files for Nx (model-inputs.ts) */
  projectFolders: ReadonlySet<string> = new Set(),
  /** each step on its own executor (three batch processes per chain) instead of the shared one */
  perStep = false
): Record<string, TargetConfiguration> {
  const id = model.pluginId;
  const dist = options.distDir;
  const how =
    model.replay === 'native'
      ? nativeSteps(model)
      : `recipe function run with python3`;
  return {
    // build packages the current sources (cached); version compares that package with the
    // released one, bumps and rebuilds if needed; publish releases what version left in dist/.
    // One executor runs the three, so Nx batches a model's chain in one process (release-steps.ts).
    build: {
      ...stepExecutor('build', perStep),
      cache: true,
      inputs: modelInputs(model, fingerprint, projectFolders),
      // Only the package: dist/plugins/<id> is unpacked from it after a cache hit (model/plugin-folder.ts).
      outputs: [packageOutput(dist, model)],
      metadata: {
        description: `Build ${id} into ${dist}/plugins/${id} and package it as ${dist}/packages/${id}-<version>.tar.bz2 (${how})`,
        technologies: TECHNOLOGIES,
        help: targetHelp(id, 'build'),
      },
    },
    version: {
      ...stepExecutor('version', perStep, { channel: 'testing' }),
      cache: false,
      dependsOn: ['build'],
      metadata: {
        description: `Bump ${id}'s plugin-info version (patch; --bump minor|major|x.y.z) if its built package differs from the one the channel holds under the same version, and rebuild; offline: if ${model.folder}/, ${[...model.sharedFolders.map((f) => f + '/'), BUILD_FILE].join(', ')} changed since the git base; --check for CI, --dry-run, --commit`,
        technologies: TECHNOLOGIES,
        help: targetHelp(id, 'version'),
      },
    },
    publish: {
      ...stepExecutor('publish', perStep, { channel: 'testing' }),
      cache: false,
      // --channel, --repository, --dry-run, --commit reach the version task that decides the bump
      dependsOn: [{ target: 'version', params: 'forward' }],
      metadata: {
        description: `Upload ${id}'s package to the testing channel and update its plugins.db (refuses same version with other bytes); --dry-run, --prune, --create-repository`,
        technologies: TECHNOLOGIES,
        help: targetHelp(id, 'publish'),
      },
    },
    test: modelTestTarget(model, options, fingerprint, projectFolders),
    promote: promoteTarget(id, id),
    [CHECK_FIRMWARE]: checkFirmwareTarget(id, id),
  };
}
