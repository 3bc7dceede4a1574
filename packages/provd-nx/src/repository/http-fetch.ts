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
}

/**
 * fetch with a connect/headers timeout and an idle timeout between body chunks
 * (PROVD_TIMEOUT seconds, default 30), and errors that name the URL and the cause.
 * `shown` is the URL as it may be printed (no credentials).
 */
export async function fetchTimed(url: string, init: RequestInit, shown: string): Promise<TimedResponse> {
  const seconds = timeoutSeconds();
  const controller = new AbortController();
  const method = init.method ?? 'GET';
  let phase = 'waiting for an answer from';
  let timer = setTimeout(() => controller.abort(), seconds * 1000);
  const timedOut = () => new HttpError(`${method} ${shown}: timed out after ${seconds} s ${phase} ${hostOf(url)} (${TIMEOUT_ENV} sets the limit)`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: controller.signal });
  } catch (e) {
    clearTimeout(timer);
    throw controller.signal.aborted ? timedOut() : new HttpError(`${method} ${shown}: ${causeOf(e)}`);
  }
  clearTimeout(timer);
  return {
    response,
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
