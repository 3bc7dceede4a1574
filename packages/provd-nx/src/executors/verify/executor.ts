import type { ExecutorContext } from '@nx/devkit';
import { formatProblem, verifyArchive, verifyChannel } from '../../lib/channel';
import { pluginIds, repositoryOf } from '../../lib/context';
import type { VerifyExecutorSchema } from './schema';

export default async function verifyExecutor(options: VerifyExecutorSchema, context: ExecutorContext) {
  const name = options.channel ?? 'testing';
  const channel = repositoryOf(options.repository, context).channel(name);
  // the archive has no index by design: its packages are checked one by one
  const problems = name === 'archive' ? await verifyArchive(channel, pluginIds(context)) : await verifyChannel(channel);
  if (problems.length === 0) {
    console.log(`${channel.location}: clean`);
    return { success: true };
  }
  console.error(`${channel.location}: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${formatProblem(p)}`);
  return { success: false };
}
