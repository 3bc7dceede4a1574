/**
 * Hostile uploads against `provd-repo serve` as its own process, with its default limits:
 * every refusal is a clear 4xx naming the problem and the limit, the root is byte-for-byte
 * unchanged (hashed before and after), nothing is written without the right token, and after
 * the bombs the server's RSS is back within 50 MB of where it started.
 */
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberBomb, smallPackage, tarFile, tarHeader, validStart, zeroBomb } from './bombs';
import { startCliServer, type CliServer } from './cli-server';
import { buildPlugin, hashTree, tempDir, TESTING_ONLY, TOKENS, WRITE_ALL } from './fixture';

const MiB = 1024 * 1024;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('hostile uploads', () => {
  let root: string;
  let work: string;
  let server: CliServer;
  let good: Buffer;
  let rssStart = 0;
  beforeAll(async () => {
    root = await tempDir();
    work = await tempDir();
    server = await startCliServer(root, TOKENS);
    good = await fsp.readFile(await buildPlugin(work, { id: 'probe-a', version: '1.0.0' }));
    expect((await send('testing/probe-a-1.0.0.tar.bz2', good)).status).toBe(201);
    expect((await send('stable/probe-a-1.0.0.tar.bz2', good)).status).toBe(201);
    rssStart = rssBytes(server.child.pid!);
  });
  afterAll(async () => {
    await server?.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  });

  function send(p: string, body: Buffer, headers: Record<string, string> = { authorization: `Bearer ${WRITE_ALL}` }, method = 'PUT') {
    return fetch(`${server.base}/${p}`, { method, headers: { 'content-type': 'application/octet-stream', ...headers }, body });
  }

  const unauthorized: [string, number, () => Promise<Response>][] = [
    ['no token', 401, () => send('testing/probe-a-1.0.1.tar.bz2', good, {})],
    ['a wrong token', 401, () => send('testing/probe-a-1.0.1.tar.bz2', good, { authorization: 'Bearer not-the-token-0123456789' })],
    ['the token in the query string', 401, () => send(`testing/probe-a-1.0.1.tar.bz2?token=${WRITE_ALL}`, good, {})],
    ['the token in another header', 401, () => send('testing/probe-a-1.0.1.tar.bz2', good, { 'x-token': WRITE_ALL })],
    ['basic instead of bearer', 401, () => send('testing/probe-a-1.0.1.tar.bz2', good, { authorization: `Basic ${Buffer.from(`x:${WRITE_ALL}`).toString('base64')}` })],
    ['a testing token writing stable', 403, () => send('stable/probe-a-1.0.1.tar.bz2', good, { authorization: `Bearer ${TESTING_ONLY}` })],
    ['a testing token promoting to stable', 403, () => send('stable/promote', Buffer.from('{"pluginId":"probe-a","from":"testing"}'), { authorization: `Bearer ${TESTING_ONLY}`, 'content-type': 'application/json' }, 'POST')],
  ];
  for (const [what, status, request] of unauthorized) {
    it(`0 writes without the right token: ${what} (${status})`, async () => {
      const before = await hashTree(root);
      expect((await request()).status).toBe(status);
      expect(await hashTree(root)).toBe(before);
    });
  }

  const id = 'probe-h';
  const refusals: [string, number, RegExp, () => Buffer, string?][] = [
    ['a * token does not create a channel on its first PUT', 404, /no channel testingg.*provd-repo init/, () => good, 'testingg/probe-a-1.0.0.tar.bz2'],
    ['ARCHIVE is the archive', 400, /archive only receives/, () => good, 'ARCHIVE/probe-a-1.0.0.tar.bz2'],
    ['a 512 MiB plugin-info', 422, /plugin-info is 536870912 bytes: over the plugin-info size limit of 1 MiB \(--max-plugin-info-bytes\)/, () => zeroBomb(tarHeader(`${id}/`, 0, '5'), `${id}/plugin-info`, 512 * MiB)],
    ['a 512 MiB member named x/plugin-info', 422, /over the decompressed size limit of 512 MiB \(--max-unpacked-bytes\)/, () => zeroBomb(validStart(id, '1.0.0'), `${id}/x/plugin-info`, 512 * MiB)],
    ['a body that expands to 2 GiB', 422, /declares 2147483648 bytes: over the decompressed size limit of 512 MiB \(--max-unpacked-bytes\)/, () => zeroBomb(validStart(id, '1.0.0'), `${id}/zero`, 2048 * MiB)],
    ['300,000 members', 422, /more than 20000 members: over the member count limit of 20000 \(--max-members\)/, () => memberBomb(validStart(id, '1.0.0'), `${id}/x`, 300_000)],
    ['an absolute member', 422, /member "\/tmp\/probe" has an absolute name/, () => smallPackage(validStart(id, '1.0.0'), tarFile('/tmp/probe', Buffer.from('x')))],
    ['a plugin-info that is a symlink', 422, /probe-h\/plugin-info is a symlink to "\.\.\/\.\.\/etc\/passwd", not a regular file/, () => smallPackage(tarHeader(`${id}/`, 0, '5'), tarHeader(`${id}/plugin-info`, 0, '2', '../../etc/passwd'))],
    ['an empty body', 422, /the request body is empty/, () => Buffer.alloc(0)],
    ['a truncated body', 422, /the package is truncated \(\d+ bytes received/, () => good.subarray(0, Math.floor(good.length / 2))],
    ['not bzip2 at all', 422, /not a bzip2 stream/, () => Buffer.from('<html>hello</html>')],
  ];
  for (const [what, status, message, body, target] of refusals) {
    it(`${what}: ${status}, root unchanged`, async () => {
      const before = await hashTree(root);
      const res = await send(target ?? `testing/${id}-1.0.0.tar.bz2`, body());
      const text = await res.text();
      expect(res.status, text).toBe(status);
      expect(JSON.parse(text).error).toMatch(message);
      expect(JSON.parse(text).error).not.toMatch(/bzip2: |Input file|\n/); // no raw tool output
      expect(await hashTree(root)).toBe(before);
    });
  }

  it('keeps answering, and its RSS is back within 50 MB of its start after the bombs', async () => {
    const res = await fetch(`${server.base}/testing/plugins.db`);
    expect(res.status).toBe(200);
    expect(Object.keys((await res.json()) as object)).toEqual(['probe-a']);
    const grown = rssBytes(server.child.pid!) - rssStart;
    console.log(`server RSS ${(rssStart / MiB).toFixed(0)} MiB at start, ${grown >= 0 ? '+' : ''}${(grown / MiB).toFixed(1)} MiB after the bombs`);
    expect(grown, `RSS grew by ${(grown / MiB).toFixed(1)} MiB`).toBeLessThan(50 * 1000 * 1000);
    // nothing left in the temp area, no channel folder created
    expect(await fsp.readdir(path.join(root, '.tmp'))).toEqual([]);
    expect((await fsp.readdir(root)).sort()).toEqual(['.tmp', 'archive', 'stable', 'testing']);
  });
});
