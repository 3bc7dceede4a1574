import type { TaskGraph } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { runTaskGraph } from './task-graph';

/** A batch graph of chains `m:build -> m:version -> m:publish` for each model. */
function chains(models: string[]): TaskGraph {
  const tasks: Record<string, any> = {};
  const dependencies: Record<string, string[]> = {};
  for (const m of models) {
    for (const [step, dep] of [['build', undefined], ['version', 'build'], ['publish', 'version']] as const) {
      tasks[`${m}:${step}`] = { id: `${m}:${step}`, target: { project: m, target: step } };
      dependencies[`${m}:${step}`] = dep ? [`${m}:${dep}`] : [];
    }
  }
  return { tasks, dependencies, continuousDependencies: {}, roots: models.map((m) => `${m}:build`) } as TaskGraph;
}

describe('runTaskGraph', () => {
  it('runs each task after its dependencies, at most `limit` at a time', async () => {
    const order: string[] = [];
    let running = 0;
    let most = 0;
    await runTaskGraph(
      chains(['a', 'b', 'c']),
      async (id) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        order.push(id);
        running--;
        return true;
      },
      () => expect.unreachable(),
      2
    );
    expect(order).toHaveLength(9);
    expect(most).toBe(2);
    for (const m of ['a', 'b', 'c']) {
      expect(order.indexOf(`${m}:build`)).toBeLessThan(order.indexOf(`${m}:version`));
      expect(order.indexOf(`${m}:version`)).toBeLessThan(order.indexOf(`${m}:publish`));
    }
  });

  it('skips what depends on a failed task, and only that', async () => {
    const ran: string[] = [];
    const skipped: Array<[string, string]> = [];
    await runTaskGraph(
      chains(['a', 'b']),
      async (id) => {
        ran.push(id);
        return id !== 'a:build';
      },
      (id, failed) => skipped.push([id, failed])
    );
    expect(ran.sort()).toEqual(['a:build', 'b:build', 'b:publish', 'b:version']);
    expect(skipped).toEqual([['a:version', 'a:build'], ['a:publish', 'a:build']]);
  });

  it("reads Nx 24's dependency edges ({ id }) as Nx 23's ids", async () => {
    const graph = chains(['a']);
    for (const id of Object.keys(graph.dependencies)) (graph.dependencies as any)[id] = graph.dependencies[id].map((d) => ({ id: d, kind: 'dependsOn' }));
    const events: string[] = [];
    const run = async (id: string) => {
      events.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`end ${id}`);
      return true;
    };
    await runTaskGraph(graph, run, () => expect.unreachable(), 3);
    expect(events).toEqual(['start a:build', 'end a:build', 'start a:version', 'end a:version', 'start a:publish', 'end a:publish']);
  });

  it('leaves dependencies outside the graph to Nx (they ran before the batch)', async () => {
    const graph = chains(['a']);
    delete graph.tasks['a:build'];
    const ran: string[] = [];
    await runTaskGraph(graph, async (id) => (ran.push(id), true), () => expect.unreachable());
    expect(ran).toEqual(['a:version', 'a:publish']);
  });
});
