import { text } from 'node:stream/consumers';
import { timeoutSeconds, TIMEOUT_ENV } from './timeouts';

/** A failed HTTP exchange, named by method, URL and cause ("fetch failed" alone says nothing). */
export class HttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface TimedResponse {
  response: Response;
  /** Reads the whole body, still under the idle timeout. */
  body(): AsyncIterable<Uint8Array>;
  /** The whole body as UTF-8 text, under the same timeout. */
  text(): Promise<string>;
}

/**
 * fetch with a connect/headers timeout and an idle timeout between body chunks
 * (PROVD_TIMEOUT seconds, default 30), and errors that name the URL and the cause.
 * `shown` is the URL as it may be printed (no credentials).
 */
export async function fetchTimed(
  url: string,
  init: RequestInit,
  shown: string,
  /** a request body sent as a stream (a package is never read whole); the timeout is per chunk */
  upload?: AsyncIterable<Uint8Array>,
): Promise<TimedResponse> {
  const seconds = timeoutSeconds();
  const controller = new AbortController();
  const method = init.method ?? 'GET';
  let phase = upload ? 'sending data to' : 'waiting for an answer from';
  let timer = setTimeout(() => controller.abort(), seconds * 1000);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), seconds * 1000);
  };
  const timedOut = () => new HttpError(`${method} ${shown}: timed out after ${seconds} s ${phase} ${hostOf(url)} (${TIMEOUT_ENV} sets the limit)`);
  let body = init.body;
  if (upload) {
    const chunks = upload[Symbol.asyncIterator]();
    body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        rearm();
        const next = await chunks.next();
        if (!next.done) return stream.enqueue(next.value);
        phase = 'waiting for an answer from';
        stream.close();
      },
      async cancel() {
        await chunks.return?.();
      },
    });
  }
  let response: Response;
  try {
    // duplex: undici sends a stream body only when told the response may start after it
    response = await fetch(url, { ...init, body, signal: controller.signal, ...(upload ? { duplex: 'half' } : {}) } as RequestInit);
  } catch (e) {
    clearTimeout(timer);
    throw controller.signal.aborted ? timedOut() : new HttpError(`${method} ${shown}: ${causeOf(e)}`);
  }
  clearTimeout(timer);
  const timed: TimedResponse = {
    response,
    text: () => text(timed.body()),
    async *body() {
      if (!response.body) return;
      phase = 'receiving data from';
      const reader = response.body.getReader();
      try {
        for (;;) {
          timer = setTimeout(() => controller.abort(), seconds * 1000);
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (e) {
            throw controller.signal.aborted ? timedOut() : new HttpError(`${method} ${shown}: ${causeOf(e)}`);
          } finally {
            clearTimeout(timer);
          }
          if (chunk.done) return;
          yield chunk.value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
  return timed;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** undici hides the reason in `cause` (ECONNREFUSED 127.0.0.1:1, ENOTFOUND, a TLS error...). */
export function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string; address?: string; port?: number; errors?: Error[] } };
  const cause = err.cause;
  if (!cause) return err.message;
  const code = cause.code ?? (cause.errors?.[0] as { code?: string } | undefined)?.code;
  const detail = cause.message || cause.errors?.map((x) => x.message).join('; ') || String(cause);
  return code && !detail.includes(code) ? `${code}: ${detail}` : detail;
}
