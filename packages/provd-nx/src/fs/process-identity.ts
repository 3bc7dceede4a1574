/**
 * A process as it can be told apart from a later one with the same pid: the pid plus its
 * start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and the boot id. In a
 * container a server runs as PID 1 again and again: a pid alone says "alive" for a holder
 * that was killed and replaced by its own restart.
 */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat, or null where there is no /proc (macOS) or no such process. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

let boot: string | null | undefined;
/** This boot of the kernel (a start time only compares within one boot). */
export function bootId(): string | null {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      boot = null;
    }
  }
  return boot;
}

export interface ProcessIdentity {
  pid: number;
  /** null where it cannot be read: the pid alone then decides */
  start: string | null;
  boot: string | null;
}

let self: ProcessIdentity | undefined;
export function selfIdentity(): ProcessIdentity {
  self ??= { pid: process.pid, start: processStartTime(process.pid), boot: bootId() };
  return self;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process recorded as `id` (on this host) still runs: its pid exists and, where
 * a start time was recorded and can be read now, it is the same start in the same boot.
 */
export function isAlive(id: { pid: number; start?: string | null; boot?: string | null }): boolean {
  if (!pidExists(id.pid)) return false;
  if (id.boot && bootId() && id.boot !== bootId()) return false; // rebooted since: every pid is new
  if (!id.start) return true;
  const now = processStartTime(id.pid);
  return now === null || now === id.start;
}
