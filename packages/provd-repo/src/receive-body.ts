/**
 * A request body streamed into a temp file, bounded in bytes and in time: a client that
 * declares 5000 bytes and sends 100 must not hold a descriptor and a temp folder for good.
 * The idle timeout runs between chunks, the total one from the first byte asked for.
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { HttpError } from './http-error';

export interface BodyLimits {
  /** Largest body, bytes (413 beyond). */
  maxBytes: number;
  /** Longest wait for the next chunk, ms (408 beyond). */
  idleMs: number;
  /** Longest whole body, ms (408 beyond). */
  totalMs: number;
}

/**
 * Resolves with the size once the whole body is in `into`. On a refusal (too large, too slow)
 * the body is left unread rather than destroyed, so the refusal can still be answered; the
 * answer then closes the connection (server.ts).
 */
export function receiveBody(body: Readable, limits: BodyLimits, into: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const file = createWriteStream(into, { flags: 'wx' });
    const started = Date.now();
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (e: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('error', finish).off('aborted', onAborted).off('close', onClose);
      if (!e) return resolve(size);
      body.pause();
      // the temp folder is removed after this: wait until the file is closed
      file.once('close', () => reject(e));
      file.destroy();
    };
    const totalExpired = () => new HttpError(408, `request body not complete after ${limits.totalMs / 1000} s (--body-timeout)`);
    const arm = () => {
      clearTimeout(timer);
      const left = limits.totalMs - (Date.now() - started);
      if (left <= 0) return finish(totalExpired());
      timer =
        limits.idleMs < left
          ? setTimeout(() => finish(new HttpError(408, `request body idle for ${limits.idleMs / 1000} s after ${size} bytes (--body-idle-timeout)`)), limits.idleMs)
          : setTimeout(() => finish(totalExpired()), left);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(new HttpError(413, `request body over the ${limits.maxBytes}-byte limit (--body-limit)`));
      arm();
      if (!file.write(chunk)) {
        body.pause();
        file.once('drain', () => settled || body.resume());
      }
    };
    const onEnd = () => {
      clearTimeout(timer);
      file.end();
      file.once('close', () => {
        if (!settled) {
          settled = true;
          resolve(size);
        }
      });
    };
    const onAborted = () => finish(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const onClose = () => body.readableEnded || onAborted();
    file.on('error', finish);
    body.on('data', onData).on('end', onEnd).on('error', finish).on('aborted', onAborted).on('close', onClose);
    arm();
  });
}
