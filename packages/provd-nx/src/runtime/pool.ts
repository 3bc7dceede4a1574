import { availableParallelism } from 'node:os';

/** Run `work` over `items` with at most `limit` at a time (default: one per core). */
export async function runPool<T>(items: T[], work: (item: T) => Promise<void>, limit = availableParallelism()): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
