/**
 * Publishing through a provd-repo server (PROVD_REPOSITORY=https://host/plugins/2 with
 * PROVD_REPOSITORY_TOKEN). Reads are plain HTTP GETs. Writes do not fit the file-level
 * ChannelBackend steps (upload, lock, swap the index): over HTTP those would be many
 * round trips and a lock held across them. The server owns the index instead: one PUT of
 * the package, which it checks, indexes under its channel lock and archives from; one POST
 * to promote. So this backend implements publishHere/copyHere, which publishPackage and
 * copyEntry hand the whole operation to, and refuses the file-level writes.
 */
import { createReadStream } from 'node:fs';
import { packageFileName } from '../format/package-name';
import { PROVD_ENV } from '../runtime/env';
import type { ChannelBackend, PublishOutcome, PublishRequest } from './backend';
import { HttpChannel } from './http';
import { fetchTimed } from './http-fetch';

export const TOKEN_ENV = PROVD_ENV.repositoryToken;
const RETRIES = 5;

/** Reads as HttpChannel does; writes go to the server's upload API. */
export class HttpUploadChannel extends HttpChannel {
  constructor(
    /** `https://host/plugins/2` (no credentials). */
    private readonly base: string,
    readonly name: string,
    private readonly token: string,
    location: string,
    /** For reads (basic auth from the URL, if any); writes carry the bearer token. */
    headers: Record<string, string> = {},
  ) {
    super(`${base}/${name}`, headers, location);
  }

  private serverSide(): never {
    throw new Error(`${this.location}: a provd-repo server writes its channels itself; publish and promote go through publishHere/copyHere`);
  }
  override async upload(): Promise<void> {
    this.serverSide();
  }
  override async writeText(): Promise<void> {
    this.serverSide();
  }
  override async remove(): Promise<void> {
    this.serverSide();
  }
  override async lock(): Promise<() => Promise<void>> {
    this.serverSide();
  }

  private async send(method: string, url: string, body: string | { file: string }, type: string, what: string): Promise<PublishOutcome> {
    // a busy server (429: this token's uploads in flight; 503: a channel lock) says when to come back
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sendOnce(method, url, body, type, what);
      } catch (e) {
        const wait = (e as { retryAfter?: number }).retryAfter;
        if (wait === undefined || attempt >= RETRIES) throw e;
        await new Promise((r) => setTimeout(r, wait * 1000));
      }
    }
  }

  private async sendOnce(method: string, url: string, body: string | { file: string }, type: string, what: string): Promise<PublishOutcome> {
    const got = await fetchTimed(
      url,
      { method, headers: { authorization: `Bearer ${this.token}`, 'content-type': type }, ...(typeof body === 'string' ? { body } : {}) },
      `${url} (${what})`,
      typeof body === 'string' ? undefined : createReadStream(body.file),
    );
    const res = got.response;
    const text = await got.text();
    let data: (Partial<PublishOutcome> & { error?: string }) | undefined;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    // 201 published, 200 already there, 409 refused: the server's outcome, as publishPackage reports it
    if ((res.status === 200 || res.status === 201 || res.status === 409) && data?.status) return data as PublishOutcome;
    const error = new Error(`${what}: HTTP ${res.status}: ${data?.error ?? text.slice(0, 300)}`);
    const retryAfter = Number(res.headers.get('retry-after'));
    if ((res.status === 429 || res.status === 503) && retryAfter >= 0 && retryAfter <= 60) Object.assign(error, { retryAfter });
    throw error;
  }

  /** One PUT: the server checks the package, indexes it under its lock, archives what it supersedes. */
  async publishHere(req: PublishRequest, opts: { allowDowngrade?: boolean } = {}): Promise<PublishOutcome> {
    const filename = packageFileName(req.pluginId, req.version);
    // a rollback (promote --from archive) goes back on purpose
    const url = `${this.base}/${encodeURIComponent(this.name)}/${encodeURIComponent(filename)}${opts.allowDowngrade ? '?allowDowngrade=true' : ''}`;
    return this.send('PUT', url, { file: req.packageFile }, 'application/octet-stream', `publishing ${filename} to ${this.location}`);
  }

  /** One POST: the server copies the entry and its exact bytes from a channel of the same server. */
  async copyHere(from: ChannelBackend, pluginId: string, opts: { allowDowngrade?: boolean } = {}): Promise<PublishOutcome> {
    if (!(from instanceof HttpUploadChannel) || from.base !== this.base) {
      throw new Error(`${this.location}: can only promote from a channel of the same server (not ${from.location})`);
    }
    const url = `${this.base}/${encodeURIComponent(this.name)}/promote`;
    return this.send('POST', url, JSON.stringify({ pluginId, from: from.name, ...(opts.allowDowngrade ? { allowDowngrade: true } : {}) }), 'application/json', `promoting ${pluginId} to ${this.location}`);
  }
}
