import { ExecutorContext, logger } from '@nx/devkit';
import { relative } from 'node:path';
import { buildModel } from '../../lib/build';
import { modelOf, pluginOptions } from '../../lib/context';
import type { BuildExecutorSchema } from './schema';

export default async function buildExecutor(options: BuildExecutorSchema, context: ExecutorContext) {
  const model = modelOf(context);
  const { distDir } = pluginOptions(context);
  if (options.verbose) {
    logger.info(`${model.pluginId}: ${model.replay === 'native' ? 'native copy steps' : 'python3 runs the recipe'}`);
    for (const c of model.commands) logger.info(`  ${c}`);
  }
  try {
    const built = await buildModel(context.root, model, distDir);
    logger.info(
      `${built.pluginId} ${built.version} -> ${relative(context.root, built.packageFile)} (${built.size} bytes, sha1 ${built.sha1})`
    );
    return { success: true };
  } catch (e) {
    logger.error((e as Error).message);
    return { success: false };
  }
}
