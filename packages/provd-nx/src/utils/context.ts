import type { ExecutorContext } from '@nx/devkit';
import { NormalizedOptions, normalizeOptions, ProvdPluginOptions } from './options';
import { PLUGIN_NAME } from './names';
import { openRepository, repositoryLocation } from '../repository/open';
import { Repository } from '../repository/backend';
import { Model, ProvdMetadata } from '../model/model';
import { provdEnv } from './env';

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
  return Object.values(context.projectsConfigurations.projects)
    .map((p) => p.metadata?.provd as ProvdMetadata | undefined)
    .flatMap((m) => (m?.kind === 'model' ? [m.pluginId] : []));
}

/** The plugin's options as registered in nx.json. */
export function pluginOptions(context: ExecutorContext): NormalizedOptions {
  const entry = (context.nxJsonConfiguration.plugins ?? []).find(
    (p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME
  );
  return normalizeOptions(typeof entry === 'object' ? (entry.options as ProvdPluginOptions) : undefined);
}

/** The git base versions are measured from: option, then nx affected's --base (captured by our hook), NX_BASE, nx.json. */
export function versionBase(option: string | undefined, context: ExecutorContext): string {
  return option || provdEnv('base') || process.env.NX_BASE || context.nxJsonConfiguration.defaultBase || 'main';
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
  return openRepository(repositoryLocation(option ?? pluginOptions(context).repository), context.root, opts);
}
