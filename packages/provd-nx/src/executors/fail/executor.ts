import { executor, TaskBody } from '../shared/task';
import type { FailExecutorSchema } from './schema';

/** The target of a broken family or model: say why it cannot run, and fail. */
const failTask: TaskBody<FailExecutorSchema> = async (options, _context, out) => {
  out.error(`error: ${options.message}`);
  return false;
};

export default executor(failTask);
