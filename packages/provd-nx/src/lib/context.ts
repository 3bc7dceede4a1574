import type { ExecutorContext } from '@nx/devkit';
import type { ModelMetadata, ProvdMetadata } from './metadata';
import { normalizeOptions, NormalizedOptions, ProvdPluginOptions } from './options';
import { PLUGIN_NAME } from './names';

/** The model an executor runs for, from the metadata the plugin inferred. */
export function modelOf(context: ExecutorContext): ModelMetadata {
  const project = context.projectsConfigurations.projects[context.projectName!];
  const meta = project?.metadata?.provd as ProvdMetadata | undefined;
  if (meta?.kind !== 'model') {
    throw new Error(`${context.projectName} is not a provd model (no provd metadata from the ${PLUGIN_NAME} plugin)`);
  }
  return meta;
}

/** The plugin's options as registered in nx.json. */
export function pluginOptions(context: ExecutorContext): NormalizedOptions {
  const entry = (context.nxJsonConfiguration.plugins ?? []).find(
    (p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME
  );
  return normalizeOptions(typeof entry === 'object' ? (entry.options as ProvdPluginOptions) : undefined);
}
