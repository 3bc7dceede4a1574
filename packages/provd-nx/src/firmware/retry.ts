/**
 * Tries a request again while its answer is a 5xx or a time-out, 1, 2, 4... × backoffMs
 * apart: links and downloads alike. A request that throws is a failure of its kind
 * (`RequestFailure`), or a connection failure.
 */
import { RequestFailure, type FailureKind } from './http-request';

interface Outcome {
  url: string;
  status: string;
  detail?: string;
  checkedAt: number;
}

export async function retried<R extends Outcome>(
  url: string,
  once: () => Promise<R>,
  opts: { retries: number; backoffMs: number }
): Promise<{ result: R | (Outcome & { status: FailureKind }); tries: number }> {
  for (let attempt = 0; ; attempt++) {
    let result: R | (Outcome & { status: FailureKind });
    try {
      result = await once();
    } catch (e) {
      const f = e instanceof RequestFailure ? e : new RequestFailure('connection', (e as Error).message);
      result = { url, status: f.kind, detail: f.message, checkedAt: Date.now() };
    }
    const retry = result.status === 'server-error' || result.status === 'timeout';
    if (!retry || attempt >= opts.retries) return { result, tries: attempt + 1 };
    await new Promise((r) => setTimeout(r, opts.backoffMs * 2 ** attempt));
  }
}
