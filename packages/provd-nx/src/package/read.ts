/** Reading a package back: its members and their bytes. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
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

const BLOCK = 512;

/** A NUL-terminated header string (Python's nts). */
function nts(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return (nul < 0 ? buf : buf.subarray(0, nul)).toString('utf8');
}

/** A numeric header field: octal text, or GNU base-256 (Python's nti). */
function nti(buf: Buffer, field: string): number {
  if (buf[0] === 0o200 || buf[0] === 0o377) {
    let n = 0;
    for (let i = 1; i < buf.length; i++) n = n * 256 + buf[i];
    return buf[0] === 0o377 ? n - 256 ** (buf.length - 1) : n;
  }
  const text = nts(buf).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar: invalid ${field} field ${JSON.stringify(text)}`);
  return text === '' ? 0 : parseInt(text, 8);
}

/**
 * pax records, "<length> <key>=<value>\n", read by their length as Python's tarfile reads them:
 * a value may hold a newline (a file name may), which a line-by-line reader would drop.
 */
function parsePax(buf: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < buf.length) {
    const m = /^(\d+) ([^=]+)=/.exec(buf.subarray(pos, pos + 64 + 1024).toString('latin1'));
    if (!m) break;
    const length = Number(m[1]);
    if (length === 0 || pos + length > buf.length) throw new Error('tar: invalid pax header');
    const keyBytes = Buffer.from(m[2], 'latin1');
    const valueStart = pos + m[1].length + 1 + keyBytes.length + 1;
    records[keyBytes.toString('utf8')] = buf.subarray(valueStart, pos + length - 1).toString('utf8');
    pos += length;
  }
  return records;
}

/**
 * Parses an uncompressed tar held in memory the way Python's tarfile (what provd installs with)
 * reads it: ustar names with their prefix, pax extended headers (path, linkpath, size, mtime, uid,
 * gid, uname, gname; global ones only where an extended header follows, as tarfile applies them),
 * GNU long names and link targets, base-256 numbers. Unlike tarfile it is strict: a bad checksum,
 * a number that is not one or data cut short anywhere is an error, not the end of the archive.
 */
export async function parseTar(
  data: Buffer,
): Promise<{ members: PackageMember[]; read(name: string): Buffer | undefined }> {
  const members: PackageMember[] = [];
  const contents = new Map<string, Buffer>();
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > data.length) {
      if (offset >= data.length && !pax && longName === null && longLink === null) break; // no end blocks: tarfile reads to the end too
      throw new Error('tar: unexpected end of data');
    }
    const header = data.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const stored = nti(header.subarray(148, 156), 'checksum');
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : header[i];
      unsigned += b;
      signed += b > 127 ? b - 256 : b;
    }
    if (stored !== unsigned && stored !== signed) throw new Error(`tar: bad checksum at offset ${offset}`);
    const typeflag = String.fromCharCode(header[156]);
    let size = nti(header.subarray(124, 136), 'size');
    const dataStart = offset + BLOCK;
    const block = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
    const body = (n: number) => {
      if (n < 0 || dataStart + n > data.length) throw new Error('tar: unexpected end of data');
      return data.subarray(dataStart, dataStart + n);
    };
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const buf = body(size);
      if (typeflag === 'x') pax = { ...globalPax, ...(pax ?? {}), ...parsePax(buf) };
      else if (typeflag === 'g') globalPax = { ...globalPax, ...parsePax(buf) };
      else if (typeflag === 'L') longName = nts(buf);
      else longLink = nts(buf);
      offset = dataStart + block(size);
      continue;
    }
    let name = nts(header.subarray(0, 100));
    let type: PackageMember['type'];
    if (typeflag === '0' || typeflag === '\0' || typeflag === '7') type = typeflag === '\0' && name.endsWith('/') ? 'directory' : 'file';
    else if (typeflag === '5') type = 'directory';
    else if (typeflag === '2') type = 'symlink';
    else type = 'other';
    if (type === 'directory') name = name.replace(/\/+$/, '');
    const prefix = nts(header.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
    let linkTarget = nts(header.subarray(157, 257));
    let mtime = nti(header.subarray(136, 148), 'mtime');
    let uid = nti(header.subarray(108, 116), 'uid');
    let gid = nti(header.subarray(116, 124), 'gid');
    let uname = nts(header.subarray(265, 297));
    let gname = nts(header.subarray(297, 329));
    if (longName !== null) name = type === 'directory' ? longName.replace(/\/+$/, '') : longName;
    if (longLink !== null) linkTarget = longLink;
    if (pax) {
      const number = (v: string) => (/^-?\d+(\.\d*)?$/.test(v.trim()) ? Math.floor(Number(v)) : 0);
      if (pax.path !== undefined) name = pax.path.replace(/\/+$/, '');
      if (pax.linkpath !== undefined) linkTarget = pax.linkpath;
      if (pax.size !== undefined) size = number(pax.size);
      if (pax.mtime !== undefined) mtime = number(pax.mtime);
      if (pax.uid !== undefined) uid = number(pax.uid);
      if (pax.gid !== undefined) gid = number(pax.gid);
      if (pax.uname !== undefined) uname = pax.uname;
      if (pax.gname !== undefined) gname = pax.gname;
    }
    pax = null;
    longName = null;
    longLink = null;
    const member: PackageMember = {
      name: name.replace(/\/+$/, ''),
      type,
      mode: nti(header.subarray(100, 108), 'mode') & 0o7777,
      size: type === 'file' ? size : 0,
      ...(type === 'symlink' || (typeflag === '1' && linkTarget) ? { linkTarget } : {}),
      mtime,
      uid,
      gid,
      uname,
      gname,
    };
    members.push(member);
    // tarfile skips data only for regular files and types it does not know (links and folders have none)
    const hasData = type === 'file' || !['1', '2', '3', '4', '5', '6'].includes(typeflag);
    if (type === 'file') contents.set(member.name, Buffer.from(body(size)));
    offset = dataStart + (hasData ? block(size) : 0);
  }
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
