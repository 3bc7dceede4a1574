import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pluginOptions, repositoryOf } from '../shared/context';
import type { ProvdMetadata } from '../../build/model';
import { orphans } from '../../channel/orphans';
import { packagePath } from '../../format/package-name';
import { PLUGIN_INFO, readPluginInfo } from '../../format/plugin-info';
import { releaseScope } from '../shared/release-scope';
import { digestCacheDir } from '../../channel/release-state';
import { collectStatus, formatStatusTable, type StatusModel } from '../../channel/status';
import { executor, TaskBody } from '../shared/task';
import type { StatusExecutorSchema } from './schema';

const statusTask: TaskBody<StatusExecutorSchema> = async (options, context, out) => {
  const scope = releaseScope(context);
  const { distDir } = pluginOptions(context);
  try {
    const metas = new Map(
      Object.values(context.projectsConfigurations.projects)
        .map((p) => p.metadata?.provd as ProvdMetadata | undefined)
        .flatMap((m) => (m?.kind === 'model' ? [[m.pluginId, m] as const] : []))
    );
    const models: StatusModel[] = scope.models.map((id) => {
      const m = metas.get(id)!;
      const file = posix.join(m.familyRoot, m.folder, PLUGIN_INFO);
      const version = readPluginInfo(join(context.root, file), file).version;
      const built = packagePath(join(context.root, distDir), id, version);
      return { pluginId: id, version, ...(existsSync(built) ? { builtPackage: built } : {}) };
    });
    const repository = repositoryOf(options.repository, context);
    const rows = await collectStatus({
      models,
      orphans: (ids) => (scope.kind === 'model' ? [] : orphans(ids, scope.allModels, scope.families, scope.family)),
      testing: repository.channel('testing'),
      stable: repository.channel('stable'),
      digestCache: digestCacheDir(context.root, distDir),
    });
    if (options.json) out.log(JSON.stringify(rows, null, 2));
    else out.log(`\n${scope.name}: ${repository.location}\n\n${formatStatusTable(rows)}\n`);
    return true;
  } catch (e) {
    out.error(`error: ${scope.name}: ${(e as Error).message}`);
    return false;
  }
};

export default executor(statusTask);
