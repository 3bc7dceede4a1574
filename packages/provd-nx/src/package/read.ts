/** Reading a package back: its members and their bytes. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { PackageMember, readTarMembers } from './tar-reader';
import { runBzip2 } from './compression';
import { boundedBytes, checkPluginInfoSize, MemberBudget, packageLimits, type PackageLimits } from './limits';

export type { PackageMember } from './tar-reader';

/** A regular file's bytes, streamed: consume it or leave it (it is then skipped). */
export type MemberBody = AsyncIterable<Buffer>;

/**
 * Walks a package member by member, in archive order, with a file's bytes as a stream:
 * memory stays near bzip2's and the reader's buffers whatever the package size (a 200 MB
 * firmware is never held whole). `onMember` runs for one member at a time; a file's bytes
 * it does not read are skipped.
 */
export async function scanPackage(
  file: string,
  onMember: (m: PackageMember, body: MemberBody | null) => void | Promise<void>,
  limits: Readonly<PackageLimits> = packageLimits(),
): Promise<void> {
  const tar = new PassThrough({ highWaterMark: 1 << 20 });
  const decompressing = runBzip2(['-d', '-c'], fs.createReadStream(file), tar);
  let handlerFailed = false;
  // limits.ts: a bomb stops at the header or the byte that crosses a bound
  const budget = new MemberBudget(limits);
  try {
    for await (const { member, body } of readTarMembers(boundedBytes(tar, limits))) {
      budget.admit(member);
      try {
        await onMember(member, body);
      } catch (err) {
        handlerFailed = true;
        throw err;
      }
    }
  } catch (err) {
    // A tar stream cut short is usually bzip2's failure (a corrupt file): report that cause.
    if (!handlerFailed && tar.readableEnded) await decompressing;
    tar.destroy();
    await decompressing.catch(() => undefined);
    throw err;
  }
  await decompressing;
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
    if (!body || !keep(m.name)) return;
    // <id>/plugin-info is what callers keep: never held whole past its limit
    if (m.name.split('/').filter((p) => p && p !== '.').length === 2 && m.name.endsWith(`/plugin-info`)) checkPluginInfoSize(m);
    contents.set(m.name, await buffer(body));
  });
  return { members, read: (name: string) => contents.get(name) };
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
