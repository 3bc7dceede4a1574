/**
 * bzip2 is the Debian `bzip2` binary, spawned without a shell: its output depends
 * only on the input and the level. The in-process libbzip2-wasm was evaluated and
 * rejected: its decompressor stops at 10,000,000 output bytes, instantiating it
 * installs process-wide uncaughtException/unhandledRejection handlers, and it
 * was no faster than the binary on 2 cores.
 */
import { spawn } from 'node:child_process';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** bzip2 block size level; a different level gives different (still valid) bytes. */
export const BZIP2_LEVEL = '-9';

/** bzip2 reads options from BZIP/BZIP2: drop them so the environment cannot change the bytes. */
function bzip2Env(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BZIP;
  delete env.BZIP2;
  return env;
}

function spawnBzip2(args: string[]) {
  const child = spawn('bzip2', args, { stdio: ['pipe', 'pipe', 'pipe'], env: bzip2Env() });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT' ? new Error('bzip2 not found on PATH (install the Debian bzip2 package)') : err,
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`bzip2 ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
  return { child, done };
}

/**
 * Runs bzip2 with `input` on stdin and `output` taking stdout; waits for every
 * side to settle so nothing still writes when the caller cleans up.
 */
export async function runBzip2(
  args: string[],
  input: Readable,
  output: NodeJS.WritableStream,
  tap?: (chunk: Buffer) => void,
): Promise<void> {
  const { child, done } = spawnBzip2(args);
  const tapStream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      tap?.(chunk);
      cb(null, chunk);
    },
  });
  const feeding = pipeline(input, child.stdin);
  const draining = pipeline(child.stdout, tapStream, output);
  const [fed, exited, drained] = await Promise.allSettled([feeding, done, draining]);
  if (fed.status === 'rejected' || exited.status === 'rejected' || drained.status === 'rejected') {
    // Report the cause, not its echoes: a bzip2 that never started, else the
    // input's own error (a file changed, say) rather than the broken pipe it causes.
    if (exited.status === 'rejected' && child.pid === undefined) throw exited.reason;
    const echo = (e: unknown) =>
      ['EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED'].includes(String((e as NodeJS.ErrnoException)?.code));
    if (fed.status === 'rejected' && !echo(fed.reason)) throw fed.reason;
    if (exited.status === 'rejected') throw exited.reason;
    if (drained.status === 'rejected') throw drained.reason;
    throw (fed as PromiseRejectedResult).reason;
  }
}
