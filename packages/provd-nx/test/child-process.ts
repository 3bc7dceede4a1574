import type { ChildProcess } from 'node:child_process';

/** A child's output as it arrives, its exit, and a wait for one line of its stdout (specs that race processes). */
export function collect(child: ChildProcess): {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  line: (text: string) => Promise<void>;
} {
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const w of waiters) if (out.includes(`${w.text}\n`)) w.resolve();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    proc: child,
    out: () => out,
    err: () => err,
    exit,
    line: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(`${text}\n`)) return resolve();
        waiters.push({ text, resolve });
        void exit.then((code) => reject(new Error(`child exited (${code}) before "${text}": ${err}`)));
      }),
  };
}
