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

/** Parses an uncompressed tar held in memory. */
export async function parseTar(
  data: Buffer,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const members: PackageMember[] = [];
  const contents = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = entry.path.replace(/\/+$/, '');
        const type = memberType(entry);
        members.push({
          name,
          type,
          mode: (entry.mode ?? 0) & 0o7777,
          size: entry.size ?? 0,
          ...(entry.linkpath ? { linkTarget: entry.linkpath } : {}),
          mtime: entry.mtime ? Math.floor(entry.mtime.getTime() / 1000) : NaN,
          uid: entry.uid ?? NaN,
          gid: entry.gid ?? NaN,
          uname: entry.uname ?? '',
          gname: entry.gname ?? '',
        });
        if (type !== 'file') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => contents.set(name, Buffer.concat(chunks)));
      },
    });
    parser.on('error', reject);
    parser.on('close', () => resolve());
    parser.end(data);
  });
  return { members, read: (name: string) => contents.get(name) };
}

export async function readPackage(
  file: string,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await runBzip2(['-d', '-c'], fs.createReadStream(file), sink);
  return parseTar(Buffer.concat(chunks));
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
