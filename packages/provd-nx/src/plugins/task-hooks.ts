import {
  PostTasksExecution,
  PreTasksExecution
} from '@nx/devkit';
import { runLogFile, summaryTable, readRunLog } from '../executors/shared/run-log';
import { ProvdPluginOptions } from '../runtime/options';
import { PROVD_ENV, provdEnv } from '../runtime/env';
import { dryRunDistFor } from '../executors/shared/dry-run';
import { rmSync } from 'node:fs';
import { printTestSummary, setProvdFingerprint } from './test-hooks';
import { hookLog } from './hook-output';

/**
 * Before tasks run: `nx affected --base=X` keeps --base to itself, so hand it
 * to the version executors, and open this run's log for the summary table.
 */
export const preTasksExecution: PreTasksExecution<ProvdPluginOptions> = (_options, context) => {
  // Always set, so a long-lived worker never carries one run's flags into the next.
  // --bump and --dry-run reach the version tasks that publish depends on this way,
  // without becoming build overrides (which would change build hashes).
  process.env[PROVD_ENV.base] = argValue(context.argv, 'base') ?? '';
  process.env[PROVD_ENV.bump] = argValue(context.argv, 'bump') ?? '';
  // `--version` is nx's own flag: promote --from archive reads the version to restore from here
  process.env[PROVD_ENV.restoreVersion] = argValue(context.argv, 'version') ?? '';
  process.env[PROVD_ENV.commit] = context.argv.some((a) => a === '--commit' || a === '--commit=true') ? 'true' : '';
  const dryRun = context.argv.some((a) => /^--(dry-run|dryRun)(=true)?$/.test(a)) || process.env.NX_DRY_RUN === 'true';
  process.env[PROVD_ENV.dryRun] = dryRun ? 'true' : '';
  // A dry run writes nothing anywhere: its builds go to this scratch folder instead of dist/
  // (removed after the run), and it neither restores from nor writes to the Nx cache. A build
  // from the cache would be restored into dist/; a dry-run build's entry would record dist/'s
  // packages of other sources under the hash a real build of these sources then hits.
  process.env[PROVD_ENV.dryRunDist] = dryRun ? dryRunDistFor(context.id) : '';
  if (dryRun) process.env.NX_SKIP_NX_CACHE = 'true';
  process.env[PROVD_ENV.runLog] = runLogFile(context.id);
  setProvdFingerprint(_options, context);
};

/**
 * After tasks: plugin folders back for builds restored from a cache, one table of
 * what moved and where it went, and the bumped plugin-info files to record.
 */
export const postTasksExecution: PostTasksExecution<ProvdPluginOptions> = async (options, context) => {
  // loaded here, not with the plugin: every graph computation loads the plugin, only task runs get here
  const [{ restorePluginFolders }, { bumpsOf, commitBumps, commitCommand, commitMessage }] = await Promise.all([
    import('./restore-plugin-folders'),
    import('../executors/shared/bump-commit'),
  ]);
  const scratch = provdEnv('dryRunDist');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  // a dry run's builds never reached dist/plugins (nor dist/packages): nothing to unpack there
  else await restorePluginFolders(options, context);
  printTestSummary(options, context);
  const records = readRunLog(runLogFile(context.id));
  const table = summaryTable(records);
  if (table) hookLog(`\n provd summary\n\n${table}\n`);
  const bumps = bumpsOf(records);
  if (bumps.length === 0) return;
  hookLog(` bumped: ${bumps.map((b) => b.file).join(', ')}`);
  if (provdEnv('commit') === 'true' || records.some((r) => r.commit)) {
    hookLog(` committed ${commitBumps(context.workspaceRoot, bumps)}: ${commitMessage(bumps).split('\n')[0]}\n`);
  } else hookLog(` record them: ${commitCommand(bumps)}\n`);
};

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}
