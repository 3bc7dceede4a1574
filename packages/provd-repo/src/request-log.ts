/**
 * The request log: one line per request, `<ip> <method> <url> <status> <length|-> <ms>ms`, for
 * downloads (answered before fastify) and everything else alike. Lines written to a stream are
 * gathered and written once per turn of the event loop: under load that is one write for many
 * requests instead of one each. Each write holds whole lines and at most PIPE_BUF bytes (unless one
 * line is longer): cluster workers share stdout, and such writes to a pipe never interleave.
 */
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

export function requestLine(req: IncomingMessage, status: number, length: number | string | undefined, ms: number): string {
  return `${req.socket.remoteAddress ?? '-'} ${req.method} ${req.url} ${status} ${length ?? '-'} ${ms.toFixed(1)}ms`;
}

const PIPE_BUF = 4096;

/** A line writer that batches the lines of one event-loop turn into one write. */
export function batchedLines(out: Writable): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    let chunk = '';
    for (const line of pending) {
      if (chunk && chunk.length + line.length > PIPE_BUF) {
        out.write(chunk);
        chunk = '';
      }
      chunk += line;
    }
    pending = [];
    if (chunk) out.write(chunk);
  };
  return (line: string) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${line}\n`);
  };
}
