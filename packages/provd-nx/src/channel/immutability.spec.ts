/**
 * Released names never change, on every path that writes a channel: folder publish, rsync
 * publish, promote and rollback (the server's PUT and POST run this same code: provd-repo's
 * write-safety spec). The hole this closes: a downgrade moves `<id>-1.0.0` to the archive,
 * then other bytes are published as 1.0.0 again.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestPackage, type TestPackage } from '../../test/test-package';
import { snapshotFiles } from '../../test/file-snapshot';
import { useTempDir, REPO_ROOT } from '../../test/temp';
import { useSshShim } from '../../test/ssh-shim';
import { INDEX_FILE, makeEntry, serializeIndex } from '../format/plugins-db';
import { parseJson, type JsonObject } from '../format/python-json';
import { readIndex } from './read-index';
import { publishPackage, type PublishOptions } from './publish';
import { promote } from './promote';
import { sha1File } from '../package/read';
import { openRepository } from '../repository/open';
import { CHANNEL_NAMES, type ChannelBackend, type Repository } from '../repository/backend';

const tmp = useTempDir('provd-immutable-');
const ID = 'probe-a';
const info = (version: string) => `{"version": "${version}", "description": "${ID}", "capabilities": {}}\n`;
const entry = "# a plugin\n";

let first: TestPackage; // 1.0.0, released
let older: TestPackage; // 0.9.0, the downgrade
let other: TestPackage; // 1.0.0 again, other bytes
let firstSha: string;
let otherSha: string;
beforeAll(async () => {
  first = await buildTestPackage(tmp('pkgs'), ID, '1.0.0', { info: info('1.0.0'), entry });
  older = await buildTestPackage(tmp('pkgs'), ID, '0.9.0', { info: info('0.9.0'), entry });
  other = await buildTestPackage(tmp('pkgs'), ID, '1.0.0', { info: info('1.0.0'), entry: `${entry}# other bytes\n` });
  firstSha = await sha1File(first.file);
  otherSha = await sha1File(other.file);
  expect(otherSha).not.toBe(firstSha);
});

const opts = (r: Repository, extra: Partial<PublishOptions> = {}): PublishOptions => ({
  archive: r.channel('archive'),
  released: CHANNEL_NAMES.map((n) => r.channel(n)),
  ...extra,
});
const publish = (r: Repository, channel: 'testing' | 'stable', p: TestPackage, extra: Partial<PublishOptions> = {}) =>
  publishPackage(r.channel(channel), { pluginId: p.pluginId, version: p.version, packageFile: p.file, pluginInfoText: p.infoText }, opts(r, extra));

/** 1.0.0 published, then 0.9.0 on purpose: 1.0.0's bytes now live in the archive only. */
async function releasedThenDowngraded(r: Repository, channel: 'testing' | 'stable'): Promise<void> {
  expect((await publish(r, channel, first)).status).toBe('published');
  expect((await publish(r, channel, older, { allowDowngrade: true })).status).toBe('published');
  expect(await r.channel('archive').list()).toContain(`${ID}-1.0.0.tar.bz2`);
}

/** What older tools could leave: `p` indexed in `channel` whatever the rest holds (written below the rule). */
async function plant(channel: ChannelBackend, p: TestPackage): Promise<void> {
  const filename = path.basename(p.file);
  await channel.upload(p.file, filename);
  const index = await readIndex(channel);
  index.set(p.pluginId, makeEntry(parseJson(p.infoText, 'plugin-info') as JsonObject, filename, (await fsp.stat(p.file)).size, await sha1File(p.file)));
  await channel.writeText(INDEX_FILE, serializeIndex(index));
}

describe('a released name keeps its bytes', () => {
  it('folder publish: 1.0.0 again with other bytes after a downgrade is refused, naming the archived SHA-1, and nothing changes', async () => {
    const folder = tmp('folder');
    const r = openRepository(folder, REPO_ROOT, { create: true });
    await releasedThenDowngraded(r, 'testing');
    const before = await snapshotFiles(folder, { dirs: true });
    const out = await publish(r, 'testing', other);
    expect(out.status).toBe('refused');
    expect(out.message).toContain(`sha1 ${firstSha} in ${path.join(folder, 'archive')}/${ID}-1.0.0.tar.bz2`);
    expect(out.message).toContain(`this package: sha1 ${otherSha}`);
    expect(await snapshotFiles(folder, { dirs: true })).toEqual(before);
    // the same bytes are the same release: welcome back
    expect((await publish(r, 'testing', first)).status).toBe('published');
  });

  it('folder publish: a name another channel indexes with other bytes is refused', async () => {
    const folder = tmp('other-channel');
    const r = openRepository(folder, REPO_ROOT, { create: true });
    expect((await publish(r, 'stable', first)).status).toBe('published');
    const out = await publish(r, 'testing', other);
    expect(out.status).toBe('refused');
    expect(out.message).toContain(`sha1 ${firstSha} in ${path.join(folder, 'stable')}/${INDEX_FILE} (entry ${ID})`);
  });

  describe('rsync over ssh (RSYNC_RSH shim)', () => {
    useSshShim(tmp);

    it('rsync publish: refused the same way, the remote folder unchanged', async () => {
      const folder = tmp('rsync');
      const r = openRepository(`deploy@mirror.example:${folder}`, REPO_ROOT, { create: true });
      await releasedThenDowngraded(r, 'testing');
      const before = await snapshotFiles(folder, { dirs: true });
      const out = await publish(r, 'testing', other);
      expect(out.status).toBe('refused');
      expect(out.message).toContain(`sha1 ${firstSha} in deploy@mirror.example:${folder}/archive/${ID}-1.0.0.tar.bz2`);
      expect(await snapshotFiles(folder, { dirs: true })).toEqual(before);
    });
  });

  /** stable released then downgraded (the first bytes archived), testing holding other bytes under that name */
  async function otherBytesInTesting(name: string) {
    const folder = tmp(name);
    const r = openRepository(folder, REPO_ROOT, { create: true });
    await releasedThenDowngraded(r, 'stable');
    await plant(r.channel('testing'), other);
    return { folder, r, before: await snapshotFiles(path.join(folder, 'stable'), { dirs: true }) };
  }

  it('promote: testing cannot bring other bytes under a name stable released and archived', async () => {
    const { folder, r, before } = await otherBytesInTesting('promote');
    const result = await promote({
      name: ID,
      models: [ID],
      from: r.channel('testing'),
      fromName: 'testing',
      to: r.channel('stable'),
      toName: 'stable',
      archive: r.channel('archive'),
      released: CHANNEL_NAMES.map((n) => r.channel(n)),
    });
    expect(result.rows.map((row) => row.action)).toEqual(['refused']);
    expect(result.rows[0].message).toContain(`sha1 ${firstSha} in ${path.join(folder, 'archive')}/${ID}-1.0.0.tar.bz2`);
    expect(result.ok).toBe(false);
    expect(await snapshotFiles(path.join(folder, 'stable'), { dirs: true })).toEqual(before);
  });

  it('rollback: the archived bytes cannot come back while another channel indexes that name with other bytes', async () => {
    const { folder, r, before } = await otherBytesInTesting('rollback');
    const result = await promote({
      name: ID,
      models: [ID],
      only: [ID],
      version: '1.0.0',
      fromArchive: true,
      from: r.channel('archive'),
      fromName: 'archive',
      to: r.channel('stable'),
      toName: 'stable',
      archive: r.channel('archive'),
      released: CHANNEL_NAMES.map((n) => r.channel(n)),
    });
    expect(result.rows.map((row) => row.action)).toEqual(['refused']);
    expect(result.rows[0].message).toContain(`sha1 ${otherSha} in ${path.join(folder, 'testing')}/${INDEX_FILE} (entry ${ID})`);
    expect(await snapshotFiles(path.join(folder, 'stable'), { dirs: true })).toEqual(before);
  });
});
