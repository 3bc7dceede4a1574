/**
 * `serve --workers <n>`: n processes answer on one port (node's cluster: the primary accepts and
 * hands connections round-robin), so downloads use every core.
 *
 * Writes stay serialised across workers by the channel lock file (the same lock that guards
 * publishes from other machines). After a write, and before its answer, the writing worker asks
 * every other worker to drop its cached files and waits for them all: a client that reads next,
 * on any connection, sees what it wrote. Writes from outside the server reach each worker through
 * its own file system watch (static-cache.ts).
 *
 * A worker that dies is replaced; SIGTERM/SIGINT reach every worker, which finish their requests
 * in flight, then the primary exits.
 */
import cluster, { type Worker } from 'node:cluster';

/** wrote: worker -> primary; invalidate: primary -> the others; invalidated: back; done: primary -> the writer. */
type Message = { provdRepo: 'wrote' | 'invalidate' | 'invalidated' | 'done'; id: number; origin?: string };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && 'provdRepo' in m;

/** Primary: starts `count` workers; resolves with the address once the first one listens. */
export function runPrimary(count: number, say: (line: string) => void): Promise<string> {
  let closing = false;
  const waiting = new Map<string, { origin: Worker; id: number; pending: Set<number> }>();

  const settle = (key: string) => {
    const w = waiting.get(key);
    if (w && w.pending.size === 0) {
      waiting.delete(key);
      if (w.origin.isConnected()) w.origin.send({ provdRepo: 'done', id: w.id } satisfies Message);
    }
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.provdRepo === 'wrote') {
        const key = `${worker.id}:${m.id}`;
        const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w !== worker && w.isConnected());
        waiting.set(key, { origin: worker, id: m.id, pending: new Set(others.map((w) => w.id)) });
        for (const w of others) w.send({ provdRepo: 'invalidate', id: m.id, origin: key } satisfies Message);
        settle(key);
      } else if (m.provdRepo === 'invalidated') {
        const key = m.origin ?? '';
        waiting.get(key)?.pending.delete(worker.id);
        settle(key);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    // a dead worker no longer holds anyone's write answer
    for (const [key, w] of waiting) {
      w.pending.delete(worker.id);
      settle(key);
    }
    if (closing) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    say(`provd-repo: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    say(`provd-repo: ${signal}: finishing requests in flight, then exiting`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  return new Promise((resolve, reject) => {
    let started = false;
    cluster.on('listening', (_w, address) => {
      if (started) return;
      started = true;
      resolve(`http://${address.address ?? '127.0.0.1'}:${address.port}`);
    });
    cluster.once('exit', (_w, code) => {
      if (!started) {
        closing = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
        reject(new Error(`the first worker exited (${code}) before listening`));
      }
    });
    for (let i = 0; i < count; i++) fork();
  });
}

/** The other processes serving the same root: told about each write, telling about theirs. */
export interface Peers {
  /** Resolves once every other worker dropped its cached files. */
  wrote(): Promise<void>;
  /** `drop` runs when another worker wrote. */
  subscribe(drop: () => void): void;
}

/** Worker: tells the other workers about a write and waits until they all dropped their caches. */
export function workerPeers(): Peers {
  let next = 0;
  let invalidate = () => undefined as void;
  const done = new Map<number, () => void>();
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.provdRepo === 'invalidate') {
      invalidate();
      process.send?.({ provdRepo: 'invalidated', id: m.id, origin: m.origin } satisfies Message);
    } else if (m.provdRepo === 'done') {
      done.get(m.id)?.();
      done.delete(m.id);
    }
  });
  const wrote = () =>
    new Promise<void>((resolve) => {
      const id = next++;
      // the primary answers at once when no other worker lives; a stuck one costs at most this wait
      const timer = setTimeout(() => {
        done.delete(id);
        resolve();
      }, 2000);
      done.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      process.send?.({ provdRepo: 'wrote', id } satisfies Message);
    });
  return { wrote, subscribe: (drop) => (invalidate = drop) };
}

export const isWorker = () => cluster.isWorker;
