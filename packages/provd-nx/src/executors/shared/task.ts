import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { runPool } from '../../runtime/pool';
import { profiled, recordPhase } from '../../runtime/profile';

/** Where a task writes its lines: the terminal for a single task, the task's own output in a batch. */
export interface TaskOutput {
  log(line: string): void;
  error(line: string): void;
}

/** The body of an executor: one task, its options and context, lines out, success back. */
export type TaskBody<O> = (options: O, context: ExecutorContext, out: TaskOutput) => Promise<boolean>;

/** The plain executor around a task body. */
export function executor<O>(body: TaskBody<O>) {
  return async (options: O, context: ExecutorContext) => ({
    success: await body(options, context, { log: (l) => console.log(l), error: (l) => console.error(l) }),
  });
}

/**
 * The batch implementation around the same body: Nx (preferBatch) hands all
 * tasks of this executor to one process, which runs them `limit` at a time
 * instead of paying a process start per task.
 */
export function batchExecutor<O>(body: TaskBody<O>, limit?: number) {
  return async (
    taskGraph: TaskGraph,
    inputs: Record<string, O>,
    _overrides: O,
    context: ExecutorContext
  ): Promise<Record<string, { success: boolean; terminalOutput: string }>> => {
    // process start, Nx's batch runner and loading this executor's code, until here
    recordPhase('batch process start-up (until the executor runs)', process.uptime() * 1000);
    const results: Record<string, { success: boolean; terminalOutput: string }> = {};
    const target = Object.values(taskGraph.tasks)[0]?.target.target ?? '?';
    await profiled(`batch of ${target} tasks (wall)`, () => runPool(
      Object.keys(taskGraph.tasks),
      async (id) => {
        const task = taskGraph.tasks[id];
        const lines: string[] = [];
        const out: TaskOutput = { log: (l) => lines.push(l), error: (l) => lines.push(l) };
        let success: boolean;
        try {
          success = await body(inputs[id] ?? ({} as O), { ...context, projectName: task.target.project, targetName: task.target.target }, out);
        } catch (e) {
          lines.push(`error: ${(e as Error).message}`);
          success = false;
        }
        const terminalOutput = lines.length ? lines.join('\n') + '\n' : '';
        process.stdout.write(terminalOutput);
        results[id] = { success, terminalOutput };
      },
      limit
    ));
    return results;
  };
}
