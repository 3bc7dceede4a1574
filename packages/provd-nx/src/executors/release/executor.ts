import { availableParallelism } from 'node:os';
import { batchExecutor, executor, TaskBody } from '../shared/task';
import type { ReleaseStep } from '../../runtime/names';
import type { ReleaseExecutorSchema } from './schema';

/**
 * A model's build, version and publish targets share this executor: Nx puts tasks in one
 * batch process only when they share an executor, so `nx affected -t publish` runs each
 * model's whole chain in one process instead of three. Each step is the same task body as
 * its own executor's (build/, version/, publish/), loaded when a task of it runs.
 */
const STEPS: Record<ReleaseStep, () => Promise<TaskBody<ReleaseExecutorSchema>>> = {
  build: async () => (await import('../build/executor')).build,
  version: async () => (await import('../version/executor')).version,
  publish: async () => (await import('../publish/executor')).publish,
};

export const release: TaskBody<ReleaseExecutorSchema> = async (options, context, out) => {
  const step = Object.hasOwn(STEPS, options.step) ? STEPS[options.step] : undefined;
  if (!step) {
    out.error(
      `error: ${context.projectName}:${context.targetName}: @provd/nx:release needs the option step (build, version or publish), got ${JSON.stringify(options.step)}`
    );
    return false;
  }
  return (await step())(options, context, out);
};

export default executor(release);
// build's lanes (one more than cores: a lane copying leaves the cores to the others' bzip2)
export const batchRelease = batchExecutor(release, availableParallelism() + 1);
