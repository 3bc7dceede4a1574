/**
 * What the run hooks print. Nx runs a plugin in a worker process whose stdout it pipes
 * into its own and unrefs: when Nx exits right after the last hook, what the worker wrote
 * last can still sit in that pipe, and the summary table is lost (seen under load). So a
 * worker writes straight to the stdout of the Nx process that started it, synchronously,
 * in order with Nx's own output, when that stdout is a pipe or a terminal; anywhere else (plugins
 * in-process, Nx's stdout a file) it is console.log.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

let target: number | null | undefined;

function nxStdout(): number | null {
  if (target !== undefined) return target;
  target = null;
  const inWorker = /plugin-worker\.js$/.test(process.argv[1] ?? '');
  if (inWorker && process.platform === 'linux' && process.ppid > 1) {
    try {
      const fd = openSync(`/proc/${process.ppid}/fd/1`, 'a');
      // a regular file opened again gets an offset of its own: Nx, and whatever wrote the file
      // before and after it, would then write over these lines (a pipe or a terminal has none)
      if (fstatSync(fd).isFile()) {
        closeSync(fd);
        return target;
      }
      target = fd;
      process.once('exit', () => closeSync(fd));
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
