import { provdEnv } from '../../runtime/env';
import { isDryRun, repositoryOf } from '../shared/context';
import { orphans } from '../../channel/orphans';
import { formatPromoteTable, promote, type PromoteRequest } from '../../channel/promote';
import { releaseScope } from '../shared/release-scope';
import { CHANNEL_NAMES, type ChannelName } from '../../repository/backend';
import { recordRun } from '../shared/run-log';
import { executor, TaskBody } from '../shared/task';
import type { PromoteExecutorSchema } from './schema';
import { contextGate } from './test-gate';

/** One task for a whole family (one plan table), or for one model. */
const promoteTask: TaskBody<PromoteExecutorSchema> = async (options, context, out) => {
  const scope = releaseScope(context);
  const fromName = (options.from ?? 'testing') as ChannelName;
  const toName = (options.to ?? 'stable') as ChannelName;
  const dryRun = isDryRun(options.dryRun);
  // nx keeps `--version` to itself; our preTasksExecution hook hands it over
  const version = options.version || provdEnv('restoreVersion') || undefined;
  try {
    if (fromName === toName) throw new Error(`--from and --to are both ${toName}`);
    if (toName === 'archive') throw new Error('--to archive: the archive is filled by promote and publish, never promoted to');
    if (version && fromName !== 'archive') throw new Error('--version restores an archived version: use it with --from archive');
    const repository = repositoryOf(options.repository, context);
    const only = (Array.isArray(options.models) ? options.models : (options.models ?? '').split(','))
      .map((s) => String(s).trim())
      .filter(Boolean);
    const from = repository.channel(fromName);
    const { gate, verdicts } = contextGate(context, from, fromName, options.skipTest === true, (line) => out.log(`  ${line}`));
    const untested = (id: string) => {
      const v = verdicts.get(id);
      return !!v && v.ok && v.how === 'skipped (--skip-test)';
    };
    const request: PromoteRequest = {
      name: scope.name,
      models: scope.models,
      only,
      orphans: scope.kind === 'family' ? (ids) => orphans(ids, scope.allModels, scope.families, scope.family) : undefined,
      from,
      fromName,
      to: repository.channel(toName),
      toName,
      archive: repository.channel('archive'),
      released: CHANNEL_NAMES.map((n) => repository.channel(n)),
      fromArchive: fromName === 'archive',
      version,
      dryRun,
      allowDowngrade: options.allowDowngrade,
      prune: options.prune,
      log: (line) => out.log(`  ${line}`),
      gate,
    };
    // --all-or-nothing: the whole plan first (tests included); one refusal and nothing moves
    if (options.allOrNothing && !dryRun) {
      const plan = await promote({ ...request, dryRun: true });
      const blocked = plan.rows.filter((r) => r.action === 'refused' || r.action === 'failed');
      if (blocked.length) {
        out.log(`\n${scope.name}: promote ${fromName} -> ${toName}: nothing promoted (--all-or-nothing)\n\n${formatPromoteTable(plan.rows, fromName, toName)}\n`);
        for (const r of blocked) out.error(`${r.model}: ${r.message}`);
        return false;
      }
    }
    const result = await promote(request);
    out.log(`\n${scope.name}: promote ${fromName} -> ${toName}${dryRun ? ' (dry run, nothing written)' : ''}\n\n${formatPromoteTable(result.rows, fromName, toName)}\n`);
    for (const r of result.rows) {
      if (r.action !== 'already promoted') (r.action === 'failed' || r.action === 'refused' ? out.error : out.log)(`${r.model}: ${r.message}`);
      recordRun({ task: 'promote', pluginId: r.model, from: r.toVersion, to: r.fromVersion, status: dryRun && r.action === 'promote' ? 'would promote' : r.action, detail: untested(r.model) ? `${toName}, untested: --skip-test` : toName });
    }
    const letThrough = result.rows.filter((r) => (r.action === 'promoted' || r.action === 'promote') && untested(r.model));
    if (letThrough.length) out.log(`--skip-test: ${letThrough.map((r) => r.model).join(', ')} ${dryRun ? 'would be' : 'were'} promoted without a test pass`);
    if (!dryRun) out.log(result.problems.length ? `${toName}: ${result.problems.length} problem(s) after promote` : `${toName}: verified clean`);
    return result.ok;
  } catch (e) {
    out.error(`error: ${scope.name}: ${(e as Error).message}`);
    return false;
  }
};

export default executor(promoteTask);
