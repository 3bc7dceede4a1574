/** Temporary folders and the temp names writers leave beside a file until it is complete. */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempSiblingName } from './temp-name';
import { selfIdentity } from './process-identity';

/** A fresh folder under `base` (default the system's temporary folder; the caller removes it, withTempDir does so itself). */
export function makeTempDir(prefix: string, base = os.tmpdir()): Promise<string> {
  return fsp.mkdtemp(path.join(base, prefix));
}

/** Run `fn` with a fresh temporary folder (under `base`, default the system's), removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>, base = os.tmpdir()): Promise<T> {
  const dir = await makeTempDir(prefix, base);
  try {
    return await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export const HOST_TAG = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';

export function tempName(name: string, suffix = 'tmp'): string {
  // '.' + name + '.' + tail, cut to fit 255 bytes; TEMP_RE finds the owner whatever the name's length
  // the writer's start time too: a later process with its pid (PID 1 in a container) is not it
  const start = selfIdentity().start;
  return tempSiblingName(name, `~${process.pid}~${HOST_TAG}~${start ? `${start}-` : ''}${randomBytes(6).toString('hex')}.${suffix}`);
}

/** pid, host, the writer's start time (when recorded), suffix */
export const TEMP_RE = /^\..*~(\d+)~([^~]*)~(?:(\d+)-)?[0-9a-f]+\.(tmp|broken)$/;
export const TEMP_MAX_AGE_MS = 24 * 3600_000;
