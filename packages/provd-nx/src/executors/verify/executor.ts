import type { ExecutorContext } from '@nx/devkit';
import { formatProblem, verifyChannel } from '../../channel/verify';
import { repositoryOf } from '../../utils/context';
import type { VerifyExecutorSchema } from './schema';

export default async function verifyExecutor(options: VerifyExecutorSchema, context: ExecutorContext) {
  const channel = repositoryOf(options.repository, context).channel(options.channel ?? 'testing');
  const problems = await verifyChannel(channel);
  if (problems.length === 0) {
    console.log(`${channel.location}: clean`);
    return { success: true };
  }
  console.error(`${channel.location}: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${formatProblem(p)}`);
  return { success: false };
}
