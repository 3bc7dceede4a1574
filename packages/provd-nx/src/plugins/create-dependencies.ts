import {
  CreateDependencies, DependencyType, RawProjectGraphDependency
} from '@nx/devkit';
import { ProvdPluginOptions } from '../runtime/options';
import { ProvdMetadata, sharedProjectName } from '../build/model';

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
