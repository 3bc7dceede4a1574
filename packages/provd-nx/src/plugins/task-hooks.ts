import {
  PostTasksExecution,
  PreTasksExecution
} from '@nx/devkit';
import { runLogFile, summaryTable, readRunLog } from '../utils/run-log';
import { ProvdPluginOptions } from '../utils/options';
import { PROVD_ENV } from '../utils/env';
import { restorePluginFolders } from './restore-plugin-folders';

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
  process.env[PROVD_ENV.dryRun] = context.argv.some((a) => a === '--dry-run' || a === '--dryRun' || a === '--dry-run=true') ? 'true' : '';
  process.env[PROVD_ENV.runLog] = runLogFile(context.id);
};

/** After tasks: plugin folders back for builds restored from a cache, then one table of what moved and where it went. */
export const postTasksExecution: PostTasksExecution<ProvdPluginOptions> = async (options, context) => {
  await restorePluginFolders(options, context);
  const table = summaryTable(readRunLog(runLogFile(context.id)));
  if (table) console.log(`\n provd summary\n\n${table}\n`);
};

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}
