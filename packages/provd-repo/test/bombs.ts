/**
 * Hostile packages, generated on the fly and small on the wire: tar headers written here, the
 * bzip2 streams made by the real bzip2, and long runs of zeros as concatenated bzip2 streams of
 * one precompressed block (bzip2 -d reads concatenated streams as one), so a 2 GiB member costs
 * a few KB and no time to build.
 */
import { execFileSync } from 'node:child_process';
import { pluginInfoText } from './fixture';

const BLOCK = 512;
const RUN = 32 * 1024 * 1024;

const bz = (data: Buffer): Buffer => execFileSync('bzip2', ['-9', '-c'], { input: data, maxBuffer: 1 << 30 });

let runOfZeros: Buffer | undefined;
/** bzip2 streams that expand to `n` zero bytes. */
function zeros(n: number): Buffer[] {
  runOfZeros ??= bz(Buffer.alloc(RUN));
  const out: Buffer[] = [];
  for (let left = n; left > 0; left -= RUN) out.push(left >= RUN ? runOfZeros : bz(Buffer.alloc(left)));
  return out;
}

/** A ustar header: type '0' file, '5' folder, '2' symlink. */
export function tarHeader(name: string, size: number, type: '0' | '5' | '2' = '0', linkTarget = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkTarget, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** A member with real bytes. */
export function tarFile(name: string, data: Buffer): Buffer {
  return Buffer.concat([tarHeader(name, data.length), data, pad(data.length)]);
}

/** `<id>/` with a valid plugin-info for `version`: what makes today's server take the rest. */
export function validStart(id: string, version: string): Buffer {
  return Buffer.concat([tarHeader(`${id}/`, 0, '5'), tarFile(`${id}/plugin-info`, Buffer.from(pluginInfoText({ id, version })))]);
}

/** A .tar.bz2 of `head` (plain tar bytes), then a member `name` of `size` zeros, then the end blocks. */
export function zeroBomb(head: Buffer, name: string, size: number): Buffer {
  return Buffer.concat([bz(Buffer.concat([head, tarHeader(name, size)])), ...zeros(size), bz(Buffer.concat([pad(size), Buffer.alloc(2 * BLOCK)]))]);
}

/** A .tar.bz2 of `head`, then `count` copies of one empty-file header (the same bytes compress to nothing). */
export function memberBomb(head: Buffer, name: string, count: number): Buffer {
  const chunk = 10_000;
  const one = bz(Buffer.concat(Array(chunk).fill(tarHeader(name, 0))));
  const parts = [bz(head)];
  for (let i = 0; i < Math.floor(count / chunk); i++) parts.push(one);
  if (count % chunk) parts.push(bz(Buffer.concat(Array(count % chunk).fill(tarHeader(name, 0)))));
  parts.push(bz(Buffer.alloc(2 * BLOCK)));
  return Buffer.concat(parts);
}

/** A plain .tar.bz2 of whole members. */
export function smallPackage(...members: Buffer[]): Buffer {
  return bz(Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]));
}
