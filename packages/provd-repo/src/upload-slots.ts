/**
 * A cap on each token's uploads in flight: one leaked or hostile CI token cannot take every
 * descriptor, temp byte and lock turn of the server. Over the cap: 429 with Retry-After
 * (the @provd/nx client waits and retries).
 */
import { createHash } from 'node:crypto';
import { HttpError } from './http-error';

export const DEFAULT_UPLOADS_PER_TOKEN = 16;
const RETRY_AFTER_S = 2;

export class UploadSlots {
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly perToken: number) {}

  /** Takes a slot for the token in `authorization` (already checked), or refuses; returns the release. */
  acquire(authorization: string | undefined): () => void {
    const key = createHash('sha256').update(authorization ?? '').digest('hex');
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.perToken) {
      throw new HttpError(429, `this token already has ${n} uploads in flight, the most allowed (--max-uploads-per-token): retry later`, {
        'retry-after': String(RETRY_AFTER_S),
      });
    }
    this.inFlight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}
