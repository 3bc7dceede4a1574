import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { profiled, recordPhase } from '../../runtime/profile';
import { runTaskGraph } from './task-graph';

/** Where a task writes its lines: the terminal for a single task, the task's own output in a batch. */
export interface TaskOutput {
  log(line: string): void;
  error(line: string): void;
}

/** The body of an executor: one task, its options and context, lines out, success back. */
export type TaskBody<O> = (options: O, context: ExecutorContext, out: TaskOutput) => Promise<boolean>;

/** What a batch reports per task; `skipped` (Nx 23.3+) for a task whose dependency in the batch failed. */
export interface BatchTaskResult {
  success: boolean;
  terminalOutput: string;
  status?: 'success' | 'failure' | 'skipped';
  /** epoch ms: Nx's run summary and task timings read them */
  startTime?: number;
  endTime?: number;
}

/** The plain executor around a task body. */
export function executor<O>(body: TaskBody<O>) {
  return async (options: O, context: ExecutorContext) => ({
    success: await body(options, context, { log: (l) => console.log(l), error: (l) => console.error(l) }),
  });
}

/**
 * The batch implementation around the same body: Nx (preferBatch) hands one process
 * every task of this executor it can, a model's whole build -> version -> publish chain
 * when one executor runs the three (executors/release). Tasks run `limit` at a time,
 * each once the tasks it depends on in the batch succeeded.
 */
export function batchExecutor<O>(body: TaskBody<O>, limit?: number) {
  return async (
    taskGraph: TaskGraph,
    inputs: Record<string, O>,
    _overrides: O,
    context: ExecutorContext
  ): Promise<Record<string, BatchTaskResult>> => {
    // process start, Nx's batch runner and loading this executor's code, until here
    recordPhase('batch process start-up (until the executor runs)', process.uptime() * 1000);
    const results: Record<string, BatchTaskResult> = {};
    const targets = [...new Set(Object.values(taskGraph.tasks).map((t) => t.target.target))].sort();
    await profiled(`batch of ${targets.join('+')} tasks (wall)`, () =>
      runTaskGraph(
        taskGraph,
        async (id) => {
          const task = taskGraph.tasks[id];
          const startTime = Date.now();
          const lines: string[] = [];
          const out: TaskOutput = { log: (l) => lines.push(l), error: (l) => lines.push(l) };
          let success: boolean;
          try {
            success = await profiled(`task: ${task.target.target} (summed)`, () =>
              body(inputs[id] ?? ({} as O), { ...context, projectName: task.target.project, targetName: task.target.target }, out)
            );
          } catch (e) {
            lines.push(`error: ${(e as Error).message}`);
            success = false;
          }
          const terminalOutput = lines.length ? lines.join('\n') + '\n' : '';
          process.stdout.write(terminalOutput);
          results[id] = { success, terminalOutput, startTime, endTime: Date.now() };
          return success;
        },
        (id, failed) => {
          // what Nx does outside a batch: a task whose dependency failed does not run
          const terminalOutput = `${id}: not run, ${failed} failed\n`;
          results[id] = { success: false, status: 'skipped', terminalOutput };
        },
        limit
      )
    );
    return results;
  };
}
