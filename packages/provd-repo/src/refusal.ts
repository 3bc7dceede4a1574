/**
 * What an error thrown by a write route means for the client: a refusal with its status and
 * headers, or a client that went away (logged as one line, never answered, never a stack).
 */
import type { IncomingMessage } from 'node:http';
import { LockTimeoutError, PackageLimitError } from './domain';
import { HttpError } from './http-error';

/** A channel lock held past the wait: the client may come back (503, never 500). */
const LOCK_RETRY_AFTER_S = 5;

export function refusalOf(err: Error & { code?: string }, req: IncomingMessage): { http?: HttpError; gone?: string } {
  if (err instanceof HttpError) return { http: err };
  if (err instanceof LockTimeoutError) {
    return {
      http: new HttpError(503, `the channel is busy: its lock is held by ${err.holder}; retry in ${LOCK_RETRY_AFTER_S} s`, { 'retry-after': String(LOCK_RETRY_AFTER_S) }),
    };
  }
  if (err instanceof PackageLimitError) return { http: new HttpError(422, err.message) };
  const disconnect = ['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ECONNABORTED'].includes(err.code ?? '') || err.message === 'aborted';
  if (disconnect && (req.destroyed || req.socket?.destroyed || req.aborted)) return { gone: err.code ?? err.message };
  return {};
}
