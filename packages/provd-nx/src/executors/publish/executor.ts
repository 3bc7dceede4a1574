import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { publishPackage, readIndex, readPackageOnce } from '../../lib/channel';
import { orphans } from '../../lib/orphans';
import { removeEntries } from '../../lib/promote';
import { releaseScope } from '../../lib/release-scope';
import type { ChannelBackend } from '../../lib/repository';
import { isDryRun, modelOf, pluginOptions, repositoryOf } from '../../lib/context';
import { packageFileName } from '../../lib/package';
import { PLUGIN_INFO, readPluginInfo } from '../../lib/plugin-info';
import { plannedVersion, recordRun } from '../../lib/run-log';
import { batchExecutor, executor, TaskBody } from '../../lib/task';
import type { PublishExecutorSchema } from './schema';
import { fixCommand } from '../../lib/bump-commit';

const publish: TaskBody<PublishExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  const { distDir } = pluginOptions(context);
  const infoFile = posix.join(model.familyRoot, model.folder, PLUGIN_INFO);
  try {
    const { version } = readPluginInfo(join(context.root, infoFile), infoFile);
    const dryRun = isDryRun(options.dryRun);
    const planned = dryRun ? plannedVersion(model.pluginId) : undefined;
    if (planned) {
      // the dry-run version task did not write its bump: nothing built matches it yet
      out.log(`${model.pluginId} ${planned}: would be published (dry run, after the bump from ${version})`);
      recordRun({ task: 'publish', pluginId: model.pluginId, to: planned, status: 'would be published', detail: options.channel ?? 'testing' });
      return true;
    }
    const packageFile = join(context.root, distDir, 'packages', packageFileName(model.pluginId, version));
    if (!existsSync(packageFile)) {
      throw new Error(`${posix.join(distDir, 'packages', packageFileName(model.pluginId, version))} does not exist: build ${model.pluginId} first`);
    }
    // What provd will read is the plugin-info inside the package (parsed once: publish checks it again).
    const packaged = (await readPackageOnce(packageFile)).read(`${model.pluginId}/${PLUGIN_INFO}`);
    if (!packaged) throw new Error(`${packageFile} holds no ${model.pluginId}/${PLUGIN_INFO}`);
    const repository = repositoryOf(options.repository, context);
    const channelName = options.channel ?? 'testing';
    const outcome = await publishPackage(
      repository.channel(channelName),
      { pluginId: model.pluginId, version, packageFile, pluginInfoText: packaged.toString('utf8') },
      { archive: repository.channel('archive'), dryRun, log: (line) => out.log(`  ${line}`) }
    );
    const say = outcome.status === 'refused' ? out.error : out.log;
    // a forgotten bump: say the command that fixes it
    const fix = outcome.status === 'refused' && outcome.previous === version ? `; fix: ${fixCommand(model.pluginId)} (or npx nx run-many -t publish)` : '';
    say(`${model.pluginId} ${version}: ${outcome.status}${outcome.dryRun ? ' (dry run)' : ''}: ${outcome.message}${fix}`);
    recordRun({
      task: 'publish',
      pluginId: model.pluginId,
      to: version,
      status: (outcome.dryRun ? 'would be ' : '') + outcome.status.replace('-', ' '),
      detail: channelName,
    });
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
