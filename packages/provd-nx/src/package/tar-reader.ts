/**
 * Reading a tar stream member by member, the way Python's tarfile (what provd installs with)
 * reads it: ustar names with their prefix, pax extended headers (path, linkpath, size, mtime,
 * uid, gid, uname, gname; global ones only where an extended header follows, as tarfile applies
 * them) read by their length (a value may hold a newline, as a file name may), GNU long names and
 * link targets, base-256 numbers. Unlike tarfile it is strict: a bad checksum, a number that is
 * not one or data cut short is an error, not the end of the archive.
 *
 * Streamed: a file's bytes are handed over as they arrive, so memory stays near one chunk
 * whatever the member sizes.
 */

const BLOCK = 512;
/** pax records and GNU long names are held whole: a bound keeps a hostile header from filling memory. */
const MAX_EXTENDED_HEADER = 1 << 20;

/** Exact reads over a stream of chunks, holding at most one partial chunk. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  get atEof(): boolean {
    return this.ended && this.buf.length === 0;
  }

  /** Buffers until `n` bytes are available or the stream ends; returns how many are. */
  private async fill(n: number): Promise<number> {
    const parts = [this.buf];
    let have = this.buf.length;
    while (have < n && !this.ended) {
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else {
        parts.push(next.value);
        have += next.value.length;
      }
    }
    if (parts.length > 1) this.buf = Buffer.concat(parts);
    return have;
  }

  /** `n` bytes, or null at a clean end of the stream (nothing left at all). */
  async readOrEnd(n: number): Promise<Buffer | null> {
    const have = await this.fill(n);
    if (have === 0) return null;
    if (have < n) throw new Error('tar: unexpected end of data');
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async read(n: number): Promise<Buffer> {
    const out = n === 0 ? Buffer.alloc(0) : await this.readOrEnd(n);
    if (!out) throw new Error('tar: unexpected end of data');
    return out;
  }

  /** The next `n` bytes as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.buf.length) {
        const next = await this.chunks.next();
        if (next.done) {
          this.ended = true;
          throw new Error('tar: unexpected end of data');
        }
        this.buf = next.value;
      }
      const out = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(out.length);
      left -= out.length;
      yield out;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)); // eslint-disable-line @typescript-eslint/no-unused-vars
  }

  /** Reads what follows the archive's end (tarfile ignores it too). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (!this.ended) if ((await this.chunks.next()).done) this.ended = true;
  }
}

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

/** pax records, "<length> <key>=<value>\n", read by their length as Python's tarfile reads them. */
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

const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

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

export interface TarMember {
  member: PackageMember;
  /** a regular file's bytes: read them before asking for the next member, or they are skipped */
  body: AsyncIterable<Buffer> | null;
}

/** The members of an uncompressed tar stream, in archive order. */
export async function* readTarMembers(source: AsyncIterable<Buffer>): AsyncGenerator<TarMember> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  let offset = 0;
  for (;;) {
    const header = await reader.readOrEnd(BLOCK);
    if (!header) {
      if (pax || longName !== null || longLink !== null) throw new Error('tar: unexpected end of data');
      break; // no end blocks: tarfile reads to the end too
    }
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
    offset += BLOCK;
    const typeflag = String.fromCharCode(header[156]);
    let size = nti(header.subarray(124, 136), 'size');
    if (size < 0) throw new Error('tar: unexpected end of data');
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_EXTENDED_HEADER) throw new Error(`tar: extended header of ${size} bytes at offset ${offset - BLOCK}`);
      const buf = await reader.read(size);
      await reader.skip(padding(size));
      offset += size + padding(size);
      if (typeflag === 'x') pax = { ...globalPax, ...(pax ?? {}), ...parsePax(buf) };
      else if (typeflag === 'g') globalPax = { ...globalPax, ...parsePax(buf) };
      else if (typeflag === 'L') longName = nts(buf);
      else longLink = nts(buf);
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
    // tarfile skips data only for regular files and types it does not know (links and folders have none)
    const dataSize = type === 'file' || !['1', '2', '3', '4', '5', '6'].includes(typeflag) ? size : 0;
    let consumed = 0;
    const body =
      type === 'file'
        ? (async function* () {
            for await (const chunk of reader.stream(size)) {
              consumed += chunk.length;
              yield chunk;
            }
          })()
        : null;
    yield { member, body };
    // whatever the consumer left of the data is skipped
    await reader.skip(dataSize - consumed + padding(dataSize));
    offset += dataSize + padding(dataSize);
  }
  await reader.drain();
}
