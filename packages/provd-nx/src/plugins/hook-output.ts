/**
 * What the run hooks print. Nx runs a plugin in a worker process whose stdout it pipes
 * into its own and unrefs: when Nx exits right after the last hook, what the worker wrote
 * last can still sit in that pipe, and the summary table is lost (seen under load). So a
 * worker writes straight to the stdout of the Nx process that started it, synchronously,
 * in order with Nx's own output; anywhere else (plugins in-process) it is console.log.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

let target: number | null | undefined;

function nxStdout(): number | null {
  if (target !== undefined) return target;
  target = null;
  const inWorker = /plugin-worker\.js$/.test(process.argv[1] ?? '');
  if (inWorker && process.platform === 'linux' && process.ppid > 1) {
    try {
      target = openSync(`/proc/${process.ppid}/fd/1`, 'a');
      process.once('exit', () => closeSync(target as number));
    } catch {
      target = null; // not ours to open: console.log then
    }
  }
  return target;
}

export function hookLog(text: string): void {
  const fd = nxStdout();
  if (fd === null) {
    console.log(text);
    return;
  }
  try {
    writeSync(fd, `${text}\n`);
  } catch {
    console.log(text);
  }
}
