import { formatProblem, verifyArchive, verifyChannel } from '../../channel/verify';
import { pluginIds, repositoryOf } from '../shared/context';
import { executor, TaskBody } from '../shared/task';
import type { VerifyExecutorSchema } from './schema';

const verify: TaskBody<VerifyExecutorSchema> = async (options, context, out) => {
  const name = options.channel ?? 'testing';
  const channel = repositoryOf(options.repository, context).channel(name);
  // the archive has no index by design: its packages are checked one by one
  const problems = name === 'archive' ? await verifyArchive(channel, pluginIds(context)) : await verifyChannel(channel);
  if (problems.length === 0) {
    out.log(`${channel.location}: clean`);
    return true;
  }
  out.error(`${channel.location}: ${problems.length} problem(s)`);
  for (const p of problems) out.error(`  ${formatProblem(p)}`);
  return false;
};

export default executor(verify);
