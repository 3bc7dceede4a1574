/**
 * Per-phase timers for the build benchmark: with PROVD_PROFILE set to a file,
 * each timed phase appends `{"phase":...,"ms":...}` as one JSON line (appends of
 * one short line are atomic, so batch workers may share the file). Unset, the
 * timers cost one env lookup.
 */
import { appendFileSync } from 'node:fs';
import { PROVD_ENV } from './env';

export const PROFILE_ENV = PROVD_ENV.profile;

/** Time `work` as `phase` when profiling is on. */
export async function profiled<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const file = process.env[PROFILE_ENV];
  if (!file) return work();
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    appendFileSync(file, JSON.stringify({ phase, ms }) + '\n');
  }
}

/** Record a phase timed elsewhere (e.g. process start-up, from process.uptime()). */
export function recordPhase(phase: string, ms: number): void {
  const file = process.env[PROFILE_ENV];
  if (file) appendFileSync(file, JSON.stringify({ phase, ms }) + '\n');
}

/** Sum of the milliseconds and count per phase in a profile file's lines. */
export function profileTotals(text: string): Map<string, { ms: number; count: number }> {
  const totals = new Map<string, { ms: number; count: number }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const { phase, ms } = JSON.parse(line) as { phase: string; ms: number };
    const t = totals.get(phase) ?? { ms: 0, count: 0 };
    t.ms += ms;
    t.count++;
    totals.set(phase, t);
  }
  return totals;
}
