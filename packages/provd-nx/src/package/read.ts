/** Reading a package back: its members and their bytes. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { runBzip2 } from './compression';

export interface PackageMember {
  /** As stored, without a directory's trailing slash (as Python's tarfile reports it). */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  size: number;
  linkTarget?: string;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
}

function memberType(entry: ReadEntry): PackageMember['type'] {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    default:
      return 'other';
  }
}

/** A regular file's bytes, streamed: consume it or leave it (it is then skipped). */
export type MemberBody = AsyncIterable<Buffer>;

function toMember(entry: ReadEntry): PackageMember {
  return {
    name: entry.path.replace(/\/+$/, ''),
    type: memberType(entry),
    mode: (entry.mode ?? 0) & 0o7777,
    size: entry.size ?? 0,
    ...(entry.linkpath ? { linkTarget: entry.linkpath } : {}),
    mtime: entry.mtime ? Math.floor(entry.mtime.getTime() / 1000) : NaN,
    uid: entry.uid ?? NaN,
    gid: entry.gid ?? NaN,
    uname: entry.uname ?? '',
    gname: entry.gname ?? '',
  };
}

/**
 * Walks a package member by member, in archive order, with a file's bytes as a stream:
 * memory stays near bzip2's and tar's buffers whatever the package size (a 200 MB
 * firmware is never held whole). `onMember` runs for one member at a time; the first
 * error it throws is rethrown once the archive is drained.
 */
export async function scanPackage(
  file: string,
  onMember: (m: PackageMember, body: MemberBody | null) => void | Promise<void>,
): Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const m = toMember(entry);
      chain = chain
        .then(() => (failure ? undefined : onMember(m, m.type === 'file' ? entry : null)))
        .catch((error) => {
          failure ??= { error };
        })
        // whatever the handler left unread is skipped, so the parser moves on
        .finally(() => entry.resume());
    },
  });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('close', () => resolve());
  });
  // tar's Parser is not a Node stream: feed it with its own back-pressure.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (parser.write(chunk)) cb();
      else parser.once('drain', () => cb());
    },
    final(cb) {
      parser.end();
      cb();
    },
  });
  await Promise.all([runBzip2(['-d', '-c'], fs.createReadStream(file), sink), parsed]);
  await chain;
  if (failure) throw failure.error;
}

/** Collects a stream's bytes. */
export async function readBody(body: MemberBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A package's members, with the bytes of the files `keep` selects (all by default:
 * tests and small packages; callers that only need plugin-info keep only that).
 */
export async function readPackage(
  file: string,
  keep: (name: string) => boolean = () => true,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const members: PackageMember[] = [];
  const contents = new Map<string, Buffer>();
  await scanPackage(file, async (m, body) => {
    members.push(m);
    if (body && keep(m.name)) contents.set(m.name, await readBody(body));
  });
  return { members, read: (name: string) => contents.get(name) };
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
