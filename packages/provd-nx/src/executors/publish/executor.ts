import type { ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { publishModel } from '../../release/publish-model';
import { modelVersion } from '../../build/model';
import { readIndex } from '../../channel/read-index';
import { orphans } from '../../channel/orphans';
import { removeEntries } from '../../channel/promote';
import { CHANNEL_NAMES, type ChannelBackend } from '../../repository/backend';
import { fixCommand } from '../shared/bump-commit';
import { releaseScope } from '../shared/release-scope';
import { isDryRun, modelOf, pluginOptions, repositoryOf } from '../shared/context';
import { plannedVersion, recordRun } from '../shared/run-log';
import { namedDryRunDist } from '../shared/dry-run';
import { packagePath } from '../../format/package-name';
import { batchExecutor, executor, TaskBody } from '../shared/task';
import type { PublishExecutorSchema } from './schema';

export const publish: TaskBody<PublishExecutorSchema> = async (options, context, out) => {
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
    // a dry run publishes (on paper) what its build task built into the run's scratch folder
    const scratch = dryRun ? namedDryRunDist() : undefined;
    const fromScratch = scratch && existsSync(packagePath(scratch, model.pluginId, modelVersion(context.root, model)));
    const outcome = await publishModel(context.root, model, fromScratch ? scratch : pluginOptions(context).distDir, repository.channel(channelName), {
      archive: repository.channel('archive'),
      released: CHANNEL_NAMES.map((n) => repository.channel(n)),
      dryRun,
      log: (line) => out.log(`  ${line}`),
    });
    const say = outcome.status === 'refused' ? out.error : out.log;
    // a forgotten bump: say the command that fixes it
    const fix = outcome.status === 'refused' && outcome.previous === outcome.version ? `; fix: ${fixCommand(model.pluginId)} (or npx nx run-many -t publish)` : '';
    say(`${model.pluginId} ${outcome.version}: ${outcome.status}${outcome.dryRun ? ' (dry run)' : ''}: ${outcome.message}${fix}`);
    const status = (outcome.dryRun ? 'would be ' : '') + outcome.status.replace('-', ' ');
    recordRun({ task: 'publish', pluginId: model.pluginId, to: outcome.version, status, detail: channelName });
    await familyOrphans(context, model.family, repository.channel(channelName), repository.channel('archive'), channelName, !!options.prune && !dryRun);
    return outcome.status !== 'refused';
  } catch (e) {
    out.error(`error: ${model.pluginId}: ${(e as Error).message}`);
    recordRun({ task: 'publish', pluginId: model.pluginId, status: 'failed' });
    return false;
  }
};

/** Ids of the family the channel still indexes but no model declares: reported (summary table), archived with --prune. */
async function familyOrphans(context: ExecutorContext, family: string, channel: ChannelBackend, archive: ChannelBackend, channelName: string, prune: boolean): Promise<void> {
  const scope = releaseScope(context);
  const found = orphans((await readIndex(channel)).keys(), scope.allModels, scope.families, family);
  if (found.length && prune) await removeEntries(channel, archive, found);
  for (const id of found) recordRun({ task: 'publish', pluginId: id, status: prune ? 'orphan, archived' : 'orphan (--prune archives it)', detail: channelName });
}

export default executor(publish);
export const batchPublish = batchExecutor(publish);
