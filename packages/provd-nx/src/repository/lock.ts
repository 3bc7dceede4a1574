/** The channel lock: who holds it, waiting for it, and when it counts as abandoned. */
import * as os from 'node:os';
import { isAlive, selfIdentity } from '../fs/process-identity';

export const LOCK_FILE = '.plugins.db.lock';
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_STALE_MS = 120_000;

export interface LockInfo {
  owner: string;
  pid: number;
  host: string;
  time: string;
  token: string;
  /** the holder's start time and boot (process-identity.ts): a later process with the same pid is not it */
  start?: string | null;
  boot?: string | null;
}

export function lockContent(owner: string, token: string): string {
  const { start, boot } = selfIdentity();
  const info: LockInfo = { owner, pid: process.pid, host: os.hostname(), time: new Date().toISOString(), token, start, boot };
  return `${JSON.stringify(info)}\n`;
}

export function parseLockInfo(text: string): Partial<LockInfo> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Partial<LockInfo>) : null;
  } catch {
    return null;
  }
}

export function describeHolder(info: Partial<LockInfo> | null): string {
  if (!info) return 'an unknown holder (unreadable lock file)';
  return `${info.owner ?? '?'} (pid ${info.pid ?? '?'} on ${info.host ?? '?'}, since ${info.time ?? '?'})`;
}

/** Same host and the process no longer runs (its pid is gone, or now names a later process): the holder died without releasing. */
export function holderIsDeadHere(info: Partial<LockInfo> | null): boolean {
  if (!info || info.host !== os.hostname() || typeof info.pid !== 'number') return false;
  return !isAlive({ pid: info.pid, start: typeof info.start === 'string' ? info.start : null, boot: typeof info.boot === 'string' ? info.boot : null });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Short jittered waits that grow a little, so waiters do not retry in lock step. */
export function backoff(attempt: number): number {
  const base = Math.min(20 * 1.5 ** attempt, 250);
  return base / 2 + Math.random() * base;
}

/** A lock wait that ran out: a server answers it 503 with Retry-After, naming the holder. */
export class LockTimeoutError extends Error {
  constructor(
    message: string,
    readonly holder: string,
  ) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

export function timeoutError(what: string, timeoutMs: number, holder: Partial<LockInfo> | null): Error {
  return new LockTimeoutError(
    `timed out after ${timeoutMs} ms waiting for the lock ${what} held by ${describeHolder(holder)}; ` +
      'if that publish is gone, the lock is broken automatically once stale',
    describeHolder(holder),
  );
}

/**
 * Keep a held lock fresh (`refresh` every `intervalMs`, failures ignored: the next beat retries)
 * until the returned release runs, once: it waits for a beat in flight, then `release`, then `cleanup`.
 */
export function heartbeat(
  intervalMs: number,
  refresh: () => Promise<void>,
  release: () => Promise<void>,
  cleanup: () => Promise<void>
): () => Promise<void> {
  let refreshing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = refresh().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    try {
      await refreshing;
      await release();
    } finally {
      await cleanup();
    }
  };
}
