/** A channel over HTTP(S), read-only: what provd itself sees. */
import { createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempName } from '../fs/temp-dir';
import { fetchTimed, type TimedResponse } from './http-fetch';
import { ChannelBackend } from './backend';
import { checkPathComponent } from '../format/path-component';

export const HTTP_READ_ONLY = 'HTTP channels are read-only; publish over a folder or rsync';

export function splitHttpCredentials(location: string): { url: string; headers: Record<string, string>; printable: string } {
  const u = new URL(location);
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const url = u.toString();
  return { url, headers, printable: url };
}

export class HttpChannel implements ChannelBackend {
  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    readonly location: string,
  ) {}

  private fileUrl(name: string): string {
    return `${this.url}/${encodeURIComponent(checkPathComponent('channel file name', name))}`;
  }

  private async get(name: string): Promise<TimedResponse | null> {
    const got = await fetchTimed(this.fileUrl(name), { headers: this.headers }, `${this.location}/${name}`);
    const res = got.response;
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${this.location}/${name}: HTTP ${res.status} ${res.statusText}`);
    }
    return got;
  }

  async readText(name: string): Promise<string | null> {
    const got = await this.get(name);
    if (!got) return null;
    return got.text();
  }

  async download(name: string, localFile: string): Promise<boolean> {
    const got = await this.get(name);
    if (!got) return false;
    // streamed to disk: memory stays at one chunk whatever the package size
    const tmp = path.join(path.dirname(path.resolve(localFile)), tempName(path.basename(localFile)));
    try {
      await pipeline(Readable.from(got.body()), createWriteStream(tmp, { flags: 'wx' }));
      await fsp.rename(tmp, localFile);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return true;
  }

  /** HTTP has no directory listing: the files the index names, plus the index itself. */
  async list(): Promise<string[]> {
    const text = await this.readText('plugins.db');
    if (text === null) return [];
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return ['plugins.db'];
    }
    const names = new Set<string>(['plugins.db']);
    if (typeof data === 'object' && data !== null) {
      for (const entry of Object.values(data as Record<string, unknown>)) {
        const filename = (entry as { filename?: unknown } | null)?.filename;
        if (typeof filename === 'string') names.add(filename);
      }
    }
    return [...names].sort();
  }

  private readOnly(): never {
    throw new Error(`${this.location}: ${HTTP_READ_ONLY}`);
  }

  async upload(): Promise<void> {
    this.readOnly();
  }

  async writeText(): Promise<void> {
    this.readOnly();
  }

  async remove(): Promise<void> {
    this.readOnly();
  }

  async lock(): Promise<() => Promise<void>> {
    this.readOnly();
  }
}
