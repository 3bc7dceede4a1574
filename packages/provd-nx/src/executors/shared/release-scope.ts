import type { ExecutorContext } from '@nx/devkit';
import type { ProvdMetadata } from '../../build/model';

/** What a family-, model- or repository-level release target covers, from the project graph metadata. */
export interface ReleaseScope {
  kind: 'family' | 'model' | 'collection';
  /** printable name: the family, the model or the repository project */
  name: string;
  /** the family (of the model); undefined for the whole collection */
  family?: string;
  models: string[];
  /** every family of the workspace (orphans are assigned by name prefix) */
  families: string[];
  /** every model of the workspace */
  allModels: string[];
}

export function releaseScope(context: ExecutorContext): ReleaseScope {
  const metas = Object.values(context.projectsConfigurations.projects).map((p) => p.metadata?.provd as ProvdMetadata | undefined);
  const families = metas.flatMap((m) => (m?.kind === 'family' ? [m.family] : []));
  const allModels = metas.flatMap((m) => (m?.kind === 'model' ? [m.pluginId] : []));
  const meta = context.projectsConfigurations.projects[context.projectName!]?.metadata?.provd as ProvdMetadata | undefined;
  if (meta?.kind === 'family') return { kind: 'family', name: meta.family, family: meta.family, models: meta.models, families, allModels };
  // a model's own promote/status covers it alone; its family's orphans are the family's business
  if (meta?.kind === 'model') return { kind: 'model', name: meta.pluginId, family: meta.family, models: [meta.pluginId], families, allModels };
  return { kind: 'collection', name: context.projectName!, models: allModels, families, allModels };
}
