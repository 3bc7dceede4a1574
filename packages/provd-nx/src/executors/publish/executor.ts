import { publishModel } from '../../model/publish';
import { modelVersion } from '../../model/model';
import { isDryRun, modelOf, pluginOptions, repositoryOf } from '../../utils/context';
import { plannedVersion, recordRun } from '../../utils/run-log';
import { batchExecutor, executor, TaskBody } from '../../utils/task';
import type { PublishExecutorSchema } from './schema';

const publish: TaskBody<PublishExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  const channelName = options.channel ?? 'testing';
  try {
    const dryRun = isDryRun(options.dryRun);
    const planned = dryRun ? plannedVersion(model.pluginId) : undefined;
    if (planned) {
      // the dry-run version task did not write its bump: nothing built matches it yet
      out.log(`${model.pluginId} ${planned}: would be published (dry run, after the bump from ${modelVersion(context.root, model)})`);
      recordRun({ task: 'publish', pluginId: model.pluginId, to: planned, status: 'would be published', detail: channelName });
      return true;
    }
    const repository = repositoryOf(options.repository, context, { create: options.createRepository });
    const outcome = await publishModel(context.root, model, pluginOptions(context).distDir, repository.channel(channelName), {
      archive: repository.channel('archive'),
      dryRun,
      log: (line) => out.log(`  ${line}`),
    });
    const say = outcome.status === 'refused' ? out.error : out.log;
    say(`${model.pluginId} ${outcome.version}: ${outcome.status}${outcome.dryRun ? ' (dry run)' : ''}: ${outcome.message}`);
    const status = (outcome.dryRun ? 'would be ' : '') + outcome.status.replace('-', ' ');
    recordRun({ task: 'publish', pluginId: model.pluginId, to: outcome.version, status, detail: channelName });
    return outcome.status !== 'refused';
  } catch (e) {
    out.error(`error: ${model.pluginId}: ${(e as Error).message}`);
    recordRun({ task: 'publish', pluginId: model.pluginId, status: 'failed' });
    return false;
  }
};

export default executor(publish);
export const batchPublish = batchExecutor(publish);
