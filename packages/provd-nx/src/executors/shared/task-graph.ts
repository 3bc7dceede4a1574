import { availableParallelism } from 'node:os';
import type { TaskGraph } from '@nx/devkit';

/** A dependency edge: the task's id in Nx 23, `{ id, ... }` in Nx 24. */
type Edge = string | { id: string };

/** The ids of the tasks `id` depends on, in either Nx major's shape. */
export function dependencyIds(graph: TaskGraph, id: string): string[] {
  const edges = ((graph.dependencies as Record<string, Edge[] | undefined>)[id] ?? []) as Edge[];
  return edges.map((e) => (typeof e === 'string' ? e : e.id));
}

/**
 * Runs a batch's task graph `limit` at a time (default: one per core): a task starts once
 * every dependency it has in the graph succeeded; one whose dependency failed or was skipped
 * is skipped, and so are its own dependents. Dependencies outside the graph ran before the
 * batch (Nx schedules a batch only then).
 */
export async function runTaskGraph(
  graph: TaskGraph,
  run: (id: string) => Promise<boolean>,
  skip: (id: string, failedDependency: string) => void,
  limit = availableParallelism()
): Promise<void> {
  const ids = Object.keys(graph.tasks);
  const inGraph = new Set(ids);
  const waitingOn = new Map(ids.map((id) => [id, new Set(dependencyIds(graph, id).filter((d) => inGraph.has(d)))]));
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [id, deps] of waitingOn) for (const d of deps) dependents.get(d)!.push(id);
  // in the graph's order, so that a batch of one target runs as it always did
  const ready = ids.filter((id) => waitingOn.get(id)!.size === 0);
  const done = new Set<string>();

  const settle = (id: string, ok: boolean, cause = id) => {
    done.add(id);
    for (const next of dependents.get(id)!) {
      if (done.has(next)) continue;
      if (!ok) {
        skip(next, cause);
        settle(next, false, cause);
        continue;
      }
      const deps = waitingOn.get(next)!;
      deps.delete(id);
      if (deps.size === 0) ready.push(next);
    }
  };

  let running = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (done.size === ids.length && running === 0) return resolve();
      while (running < limit && ready.length) {
        const id = ready.shift()!;
        if (done.has(id)) continue;
        running++;
        run(id).then(
          (ok) => {
            running--;
            settle(id, ok);
            pump();
          },
          (e) => reject(e)
        );
      }
      // a cycle would leave tasks waiting forever: Nx refuses cycles, but say so rather than hang
      if (running === 0 && !ready.length && done.size < ids.length) {
        reject(new Error(`batch tasks waiting on each other: ${ids.filter((id) => !done.has(id)).join(', ')}`));
      }
    };
    pump();
  });
}
