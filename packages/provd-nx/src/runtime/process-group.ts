/**
 * A child in a process group of its own, killed whole past a timeout: python3 running
 * plugin code or tests may start processes of its own (a plugin's `sleep`, a test's
 * server), and a hang must never outlive the task.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

export interface GroupRun {
  /** exit code, or null when a signal ended it */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** what it printed: stderr only, or stdout and stderr as they came (the last `maxOutput` bytes) */
  output: string;
  timedOut: boolean;
  /** it could not be started (no such command) */
  spawnError?: string;
}

export interface GroupOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** which streams to keep (default both) */
  capture?: 'stderr' | 'both';
  /** bytes of output kept, the last ones (default 16 MiB) */
  maxOutput?: number;
}

export function runInProcessGroup(cmd: string, args: string[], opts: GroupOptions): Promise<GroupRun> {
  const max = opts.maxOutput ?? 16 << 20;
  return new Promise((done) => {
    const both = (opts.capture ?? 'both') === 'both';
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', both ? 'pipe' : 'ignore', 'pipe'] });
    let output = '';
    const keep = (c: Buffer) => {
      output += c.toString('utf8');
      if (output.length > max) output = output.slice(-max);
    };
    child.stdout?.on('data', keep);
    child.stderr!.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already: the child alone, if still there
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ code: null, signal: null, output: `${basename(cmd)}: ${e.message}`, timedOut, spawnError: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, output, timedOut });
    });
  });
}
