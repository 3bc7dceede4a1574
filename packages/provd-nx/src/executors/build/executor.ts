import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { buildModel } from '../../build/build';
import { batchPackageLister, isDryRun, modelOf, pluginIds, pluginOptions, projectsInsideModel } from '../shared/context';
import { withBuildDist } from '../shared/dry-run';
import { batchExecutor, executor, TaskBody } from '../shared/task';
import type { BuildExecutorSchema } from './schema';

export const build: TaskBody<BuildExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  if (options.verbose) {
    out.log(`${model.pluginId}: ${model.replay === 'native' ? 'native steps (copies, sed)' : 'python3 runs the recipe'}`);
    for (const c of model.commands) out.log(`  ${c}`);
  }
  try {
    const nested = projectsInsideModel(context, model);
    if (nested.length) {
      throw new Error(
        `${model.familyRoot}/${model.folder}: holds other project(s) ${nested.join(', ')}; Nx gives their files to them, ` +
          `so changes there would not rebuild ${model.pluginId}: move them out of the model folder`
      );
    }
    // a dry run builds into its scratch folder: dist/ keeps the packages and folders of real builds
    const dryRun = isDryRun(options.dryRun);
    return await withBuildDist(context.root, pluginOptions(context).distDir, dryRun, async (dist) => {
      const built = await buildModel(context.root, model, dist, pluginIds(context), batchPackageLister(context));
      const where = dryRun ? built.packageFile : relative(context.root, built.packageFile);
      out.log(`${built.pluginId} ${built.version} -> ${where} (${built.size} bytes, sha1 ${built.sha1})${dryRun ? ' (dry run, not in dist/)' : ''}`);
      if (built.version !== model.version) {
        // the cached output is the package named after the graph's version (plugins/project-configs.ts)
        out.log(`warning: ${built.pluginId}: built version ${built.version}, but the project graph has ${model.version} (plugin-info changed during the run): Nx caches no package for this build`);
      }
      return true;
    });
  } catch (e) {
    out.error(`error: ${(e as Error).message}`);
    return false;
  }
};

export default executor(build);
// One lane more than cores: while a lane copies (I/O, in this process), the
// other lanes' bzip2 children keep every core compressing.
export const batchBuild = batchExecutor(build, availableParallelism() + 1);
