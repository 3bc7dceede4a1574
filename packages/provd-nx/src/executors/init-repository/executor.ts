import { INDEX_FILE } from '../../format/plugins-db';
import { isDryRun, repositoryOf } from '../shared/context';
import { executor, TaskBody } from '../shared/task';
import type { InitRepositoryExecutorSchema } from './schema';

/** An empty index is a channel provd reads as "nothing to install". */
const EMPTY_INDEX = '{}';

const initRepository: TaskBody<InitRepositoryExecutorSchema> = async (options, context, out) => {
  const repository = repositoryOf(options.repository, context, { create: true });
  const dryRun = isDryRun(options.dryRun);
  for (const name of ['testing', 'stable'] as const) {
    const channel = repository.channel(name);
    if ((await channel.readText(INDEX_FILE)) !== null) {
      out.log(`${channel.location}: exists`);
      continue;
    }
    if (!dryRun) await channel.writeText(INDEX_FILE, EMPTY_INDEX);
    out.log(`${channel.location}: ${dryRun ? 'would be created (dry run)' : 'created'}`);
  }
  return true;
};

export default executor(initRepository);
