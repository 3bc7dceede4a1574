import type { ExecutorContext } from '@nx/devkit';
import { promises as fsp } from 'node:fs';
import { posix } from 'node:path';
import { NormalizedOptions, pluginOptionsOf } from '../../runtime/options';
import { PLUGIN_NAME } from '../../runtime/names';
import { openRepository, repositoryLocation } from '../../repository/open';
import { Repository } from '../../repository/backend';
import { Model, ProvdMetadata } from '../../build/model';
import { provdEnv } from '../../runtime/env';
import { versionBase as baseRule } from '../../version/decide';
import { setPackageLimits } from '../../package/limits';

/** The model an executor runs for, from the metadata the plugin inferred. */
export function modelOf(context: ExecutorContext): Model {
  const project = context.projectsConfigurations.projects[context.projectName!];
  const meta = project?.metadata?.provd as ProvdMetadata | undefined;
  if (meta?.kind !== 'model') {
    throw new Error(`${context.projectName} is not a provd model (no provd metadata from the ${PLUGIN_NAME} plugin)`);
  }
  return meta;
}

/** Every model's plugin id in the workspace. */
export function pluginIds(context: ExecutorContext): string[] {
  return batchOf(context).ids;
}

/**
 * Projects whose root lies inside a model's folder. A model's own folder is a
 * `{projectRoot}` input, and Nx gives the files under a nested root to that
 * project, so the model's build would miss their changes: the build refuses.
 */
export function projectsInsideModel(context: ExecutorContext, model: Pick<Model, 'familyRoot' | 'folder'>): string[] {
  return batchOf(context).nested.get(posix.join(model.familyRoot, model.folder)) ?? [];
}

/**
 * dist/packages as this batch found it, listed once: listing it for each of 2400 builds costs
 * 1 ms each (quadratic). Enough to find a model's stale packages, since only the model's own
 * build writes its packages, and a batch builds each model once.
 */
export function batchPackageLister(context: ExecutorContext): (packagesDir: string) => Promise<string[]> {
  const { listings } = batchOf(context);
  return (dir) => {
    let names = listings.get(dir);
    if (!names) {
      names = fsp.readdir(dir);
      listings.set(dir, names);
    }
    return names;
  };
}

/** What every task of a batch would otherwise compute again (2400 tasks x 3000 projects). */
interface Batch {
  ids: string[];
  /** model folder -> the projects rooted inside it */
  nested: Map<string, string[]>;
  /** packages folder -> its names as first listed */
  listings: Map<string, Promise<string[]>>;
}

// Keyed by the batch's projects object: its tasks share it, a new batch (a new run) starts again.
const batches = new WeakMap<object, Batch>();

function batchOf(context: ExecutorContext): Batch {
  const projects = context.projectsConfigurations.projects;
  let found = batches.get(projects);
  if (found) return found;
  const ids: string[] = [];
  const modelRoots = new Set<string>();
  for (const p of Object.values(projects)) {
    const m = p.metadata?.provd as ProvdMetadata | undefined;
    if (m?.kind === 'model') {
      ids.push(m.pluginId);
      modelRoots.add(posix.join(m.familyRoot, m.folder));
    }
  }
  const nested = new Map<string, string[]>();
  for (const [name, p] of Object.entries(projects)) {
    for (let dir = posix.dirname(p.root); dir !== '.' && dir !== '/' && dir !== ''; dir = posix.dirname(dir)) {
      if (modelRoots.has(dir)) nested.set(dir, [...(nested.get(dir) ?? []), `${name} (${p.root})`]);
    }
  }
  found = { ids, nested, listings: new Map() };
  batches.set(projects, found);
  return found;
}

/** The plugin's options as registered in nx.json. */
export function pluginOptions(context: ExecutorContext): NormalizedOptions {
  const options = pluginOptionsOf(context.nxJsonConfiguration);
  // every executor reads its options here: the package limits apply to whatever it reads next
  setPackageLimits(options.packageLimits, LIMIT_OPTION_NAMES);
  return options;
}

const LIMIT_OPTION_NAMES = {
  maxUnpackedBytes: 'nx.json @provd/nx option maxUnpackedBytes',
  maxMembers: 'nx.json @provd/nx option maxMembers',
  maxPluginInfoBytes: 'nx.json @provd/nx option maxPluginInfoBytes',
};

/** The git base versions are measured from: option, then nx affected's --base (captured by our hook), NX_BASE, nx.json. */
export function versionBase(option: string | undefined, context: ExecutorContext): string {
  return baseRule(option, context.nxJsonConfiguration.defaultBase);
}

/** `nx affected ... --dry-run` forwards the flag to executors; NX_DRY_RUN=true counts too. */
export function isDryRun(option: boolean | undefined): boolean {
  return option === true || process.env.NX_DRY_RUN === 'true' || provdEnv('dryRun') === 'true';
}

/** The bump of this run: option, then `--bump` given to nx affected/run-many (captured by our hook). */
export function bumpOf(option: string | number | undefined): string {
  // nx parses `--bump=0.10` into the number 0.1: the flag as typed (captured by our hook) keeps it
  if (typeof option === 'number') {
    const typed = provdEnv('bump');
    return typed && Number(typed) === option ? typed : String(option);
  }
  return option || provdEnv('bump') || 'patch';
}

/** The repository publish/promote/verify work on: option, then nx.json, PROVD_REPOSITORY over both. */
export function repositoryOf(option: string | undefined, context: ExecutorContext, opts: { create?: boolean } = {}): Repository {
  const configured = pluginOptions(context).repository; // also applies the package limits
  return openRepository(repositoryLocation(option ?? configured), context.root, opts);
}
