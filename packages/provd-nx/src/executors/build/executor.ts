import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { buildModel } from '../../model/build';
import { modelOf, pluginIds, pluginOptions } from '../../utils/context';
import { batchExecutor, executor, TaskBody } from '../../utils/task';
import type { BuildExecutorSchema } from './schema';

const build: TaskBody<BuildExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  if (options.verbose) {
    out.log(`${model.pluginId}: ${model.replay === 'native' ? 'native steps (copies, sed)' : 'python3 runs the recipe'}`);
    for (const c of model.commands) out.log(`  ${c}`);
  }
  try {
    const built = await buildModel(context.root, model, pluginOptions(context).distDir, pluginIds(context));
    out.log(`${built.pluginId} ${built.version} -> ${relative(context.root, built.packageFile)} (${built.size} bytes, sha1 ${built.sha1})`);
    return true;
  } catch (e) {
    out.error(`error: ${(e as Error).message}`);
    return false;
  }
};

export default executor(build);
// One lane more than cores: while a lane copies (I/O, in this process), the
// other lanes' bzip2 children keep every core compressing.
export const batchBuild = batchExecutor(build, availableParallelism() + 1);
