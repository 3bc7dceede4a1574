import { formatProblem, verifyChannel } from '../../channel/verify';
import { repositoryOf } from '../../utils/context';
import { executor, TaskBody } from '../../utils/task';
import type { VerifyExecutorSchema } from './schema';

const verify: TaskBody<VerifyExecutorSchema> = async (options, context, out) => {
  const channel = repositoryOf(options.repository, context).channel(options.channel ?? 'testing');
  const problems = await verifyChannel(channel);
  if (problems.length === 0) {
    out.log(`${channel.location}: clean`);
    return true;
  }
  out.error(`${channel.location}: ${problems.length} problem(s)`);
  for (const p of problems) out.error(`  ${formatProblem(p)}`);
  return false;
};

export default executor(verify);
