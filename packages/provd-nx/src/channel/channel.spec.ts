import { parseJson, serializeJson } from '../format/python-json';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { collect } from '../../test/child-process';
import { buildTestPackage, type TestPackage } from '../../test/test-package';
import { snapshotFiles } from '../../test/file-snapshot';
import { pythonDumps } from '../../test/python-dumps';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChannel } from './verify';
import { JsonObject, JsonNumber } from '../format/python-json';
import { publishPackage, copyEntry } from './publish';
import { serializeIndex, parseIndex, INDEX_FILE, indexEntry, REQUIRED_INDEX_KEYS, entryPluginInfo } from '../format/plugins-db';
import { readPackageOnce } from './package-cache';
import { openRepository } from '../repository/open';
import { LocalChannel } from '../repository/local';
import { sha1File } from '../package/read';
import { packageFileName } from '../format/package-name';
import { useTempDir, REPO_ROOT } from '../../test/temp';
import { useRsyncDaemon } from '../../test/rsync-daemon';

const execFileAsync = promisify(execFile);

const tmp = useTempDir('provd-channel-');
let childScript: string;
let childTmp: string;

beforeAll(async () => {
  childScript = tmp('publish-child.ts');
  childTmp = tmp('child-tmp');
  await fsp.mkdir(childTmp);
  // A publisher in its own process: parses the package first, says "ready", waits for "go" if gated, publishes.
  await fsp.writeFile(
    childScript,
    `import { readFileSync } from 'node:fs';
import { publishPackage } from ${JSON.stringify(path.join(__dirname, 'publish'))};
import { readPackageOnce } from ${JSON.stringify(path.join(__dirname, 'package-cache'))};
import { openRepository } from ${JSON.stringify(path.join(__dirname, '..', 'repository', 'open'))};
async function main(): Promise<void> {
  const [repo, pluginId, version, packageFile, infoFile, archive, gate] = process.argv.slice(2);
  const repository = openRepository(repo, process.cwd(), { create: true });
  await readPackageOnce(packageFile); // the kill window then covers the channel writes
  process.stdout.write('ready\\n');
  if (gate === 'gate') await new Promise((resolve) => process.stdin.once('data', resolve)); // wait for "go"
  const outcome = await publishPackage(
    repository.channel('testing'),
    { pluginId, version, packageFile, pluginInfoText: readFileSync(infoFile, 'utf8') },
    { archive: archive === 'archive' ? repository.channel('archive') : undefined },
  );
  process.stdout.write(JSON.stringify(outcome) + '\\n');
}
main().catch((e) => {
  process.stderr.write(String((e as Error)?.stack ?? e) + '\\n');
  process.exit(1);
});
`,
  );
});

// ---------------------------------------------------------------------------
// Helpers

/** plugin-info with the fields whose spelling must survive: floats, dotted keys, non-ASCII. */
function infoText(version: string, extra = ''): string {
  return (
    `{\n  "version": "${version}",\n  "description": "Test plugin",\n  "description_fr": "Téléphone de test",\n` +
    `  "capabilities": {"Acme, T1, 1.0": {"sip.lines": 2, "x.ratio": 0.5}},\n` +
    `  "compat.min_provd": 1.0,\n  "vendor.official": 1,\n  "ratio": 0.9${extra}\n}\n`
  );
}

type Built = TestPackage;

function buildPackage(
  pluginId: string,
  version: string,
  opts: { extra?: string; content?: string; bigFile?: string; packageId?: string; info?: string } = {},
): Promise<Built> {
  const info = opts.info ?? infoText(version, opts.extra);
  const entry = `# ${pluginId} ${version}\n${opts.content ?? ''}common_globals = {}\n`;
  return buildTestPackage(tmp(), pluginId, version, { info, entry, bigFile: opts.bigFile, packageId: opts.packageId });
}

const request = (b: Built) => ({ pluginId: b.pluginId, version: b.version, packageFile: b.file, pluginInfoText: b.infoText });

/** Every file under `root` (dot files included) with its SHA-1 and mtime. */
const snapshot = (root: string) => snapshotFiles(root, { mtime: true });

/** `group`: the publisher leads its own process group, so a kill can take its rsync clients too. */
function spawnPublisher(repo: string, b: Built, opts: { archive?: boolean; gate?: boolean; group?: boolean } = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', '@swc-node/register', childScript, repo, b.pluginId, b.version, b.file, b.infoFile, opts.archive ? 'archive' : '', opts.gate ? 'gate' : ''],
    // TMPDIR: read-back copies of killed children land where afterAll cleans up.
    { cwd: REPO_ROOT, stdio: [opts.gate ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: childTmp }, detached: opts.group },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids of the live (not zombie) processes in process group `pgid`, from /proc. */
async function liveInGroup(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await fsp.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fsp.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

/**
 * Publishes 20 versions of a ~2 MB plugin into `location`'s testing channel (`folder` is the
 * repository on disk), SIGKILLing each publisher at a random moment of its writes, then checks
 * the channel, reruns the killed publish in this process and checks it again. Odd iterations kill
 * the publisher alone (the rsync client it was running finishes or fails on its own, as after
 * `kill -9 <pid>`), even ones its whole process group (publisher and rsync clients, as a cancelled
 * job); either way nothing of it runs any more when the channel is checked. Any backend.
 */
async function killAndRerun(location: string, folder: string): Promise<void> {
  const repository = openRepository(location, REPO_ROOT, { create: true });
  const testing = repository.channel('testing');
  const archive = repository.channel('archive');
  const big = tmp(`firmware-${randomBytes(4).toString('hex')}.bin`);
  await fsp.writeFile(big, randomBytes(2_000_000)); // ~2 MB packages: uploads and read-backs take real time
  const build = (i: number) => buildPackage('xivo-kill', `1.0.${i}`, { bigFile: big });
  // A lock left by a killed publisher names a dead pid on this host and is broken at once; should
  // that ever fail, staleness breaks it within 3 s, and the wait is bounded anyway.
  const lockOpts = { lockStaleMs: 3_000, lockTimeoutMs: 20_000 };

  const seed = await build(0);
  await readPackageOnce(seed.file); // as the children do before "ready": the publish alone is timed
  const t0 = Date.now();
  expect((await publishPackage(testing, request(seed), { archive })).status).toBe('published');
  // Kills land in the first `window` ms after "go", denser early where the writes are: at least
  // 300 ms, and past the end of a whole publish (with its archive step) on a slower backend.
  const window = Math.max(300, Math.round(1.5 * (Date.now() - t0)));
  // Node + swc startup dominates: the next three publishers are built, started and parked at
  // "ready" while the current one runs, so each iteration only waits for its own kill.
  const prepare = async (i: number) => {
    const b = await build(i);
    const child = collect(spawnPublisher(location, b, { archive: true, gate: true, group: true }));
    await Promise.all([child.line('ready'), readPackageOnce(b.file)]); // our verify reuses the parse
    return { b, child };
  };
  const pending = [prepare(1), prepare(2), prepare(3)];
  const outcomes: Record<string, number> = {};
  for (let i = 1; i <= 20; i++) {
    const { b, child } = await pending.shift()!;
    if (i + 3 <= 20) pending.push(prepare(i + 3));
    const pid = child.proc.pid!;
    child.proc.stdin!.end('go\n');
    await sleep(window * Math.random() ** 2);
    // this child's own pid, or the group it leads (its pid again): nothing else
    // (checked and sent in one tick: an exited child is reaped, and its pid freed, only between ticks)
    if (child.proc.exitCode === null && child.proc.signalCode === null) process.kill(i % 2 ? pid : -pid, 'SIGKILL');
    await child.exit;
    // an orphaned rsync client is given 30 s to finish; after that it is killed and the test fails
    const deadline = Date.now() + 30_000;
    while ((await liveInGroup(pid)).length && Date.now() < deadline) await sleep(20);
    const left = await liveInGroup(pid);
    if (left.length) process.kill(-pid, 'SIGKILL');
    expect(left, `iteration ${i}: processes of the killed publish still running`).toEqual([]);
    expect(await verifyChannel(testing), `iteration ${i}`).toEqual([]);

    const rerun = await publishPackage(testing, request(b), { archive, ...lockOpts });
    expect(['published', 'already-published'], rerun.message).toContain(rerun.status);
    outcomes[rerun.status] = (outcomes[rerun.status] ?? 0) + 1;
    expect(await verifyChannel(testing)).toEqual([]);
    // The rerun finished the cleanup: only the current package is left in testing.
    expect(await testing.list()).toEqual([INDEX_FILE, path.basename(b.file)]);
    expect(indexEntry(parseIndex((await testing.readText(INDEX_FILE))!, 'db'), 'xivo-kill')!.version).toBe(b.version);
    // No lock and no temp file of the killed child left: the rerun's writes, lock and tidy removed them.
    for (const ch of ['testing', 'archive']) {
      expect((await fsp.readdir(path.join(folder, ch))).filter((n) => n.startsWith('.')), `iteration ${i}: ${ch}`).toEqual([]);
    }
  }
  const archived = await archive.list();
  expect(archived).toEqual(Array.from({ length: 20 }, (_, i) => `xivo-kill-1.0.${i}.tar.bz2`).sort());
  for (const name of archived) expect((await fsp.stat(path.join(folder, 'archive', name))).size).toBeGreaterThan(1_900_000);
  console.log(`kill test (${location}): kills within ${window} ms, rerun outcomes ${JSON.stringify(outcomes)}`);
}

// ---------------------------------------------------------------------------

describe('publishPackage into a local channel', () => {
  const repoDir = () => tmp('repo-publish');
  const repo = () => openRepository(repoDir(), REPO_ROOT, { create: true });

  it('publishes, then reports already-published without writing, then refuses other bytes', async () => {
    const testing = repo().channel('testing');
    const archive = repo().channel('archive');
    const v1 = await buildPackage('xivo-acme', '1.0.0');

    const first = await publishPackage(testing, request(v1), { archive });
    expect(first).toMatchObject({ status: 'published', pluginId: 'xivo-acme', version: '1.0.0' });
    expect(first.previous).toBeUndefined();

    // plugins.db is what Python would write for plugin-info + filename, dsize, sha1sum.
    const db = await fsp.readFile(path.join(repoDir(), 'testing', INDEX_FILE), 'utf8');
    const size = (await fsp.stat(v1.file)).size;
    const sha1 = await sha1File(v1.file);
    const expectedPy = await pythonDumps(
      `{"xivo-acme": ${v1.infoText.replace(/\}\s*$/, `, "filename": "xivo-acme-1.0.0.tar.bz2", "dsize": ${size}, "sha1sum": "${sha1}"}`)}}`,
    );
    expect(db).toBe(expectedPy);
    expect(db).toContain('"compat.min_provd":1.0');
    expect(db).toContain('"ratio":0.9');
    expect(db).toContain('"x.ratio":0.5');
    expect(db).toContain('"description_fr":"T\\u00e9l\\u00e9phone de test"');
    expect(await verifyChannel(testing)).toEqual([]);

    const before = await snapshot(repoDir());
    const again = await publishPackage(testing, request(v1), { archive });
    expect(again.status).toBe('already-published');
    expect(await snapshot(repoDir())).toEqual(before); // bytes and mtimes

    const other = await buildPackage('xivo-acme', '1.0.0', { content: 'changed = True\n' });
    const refused = await publishPackage(testing, request(other), { archive });
    expect(refused.status).toBe('refused');
    expect(refused.message).toMatch(/xivo-acme 1\.0\.0 is already in .*testing with different content \(sha1 [0-9a-f]{40} ≠ [0-9a-f]{40}\): bump the version/);
    expect(await snapshot(repoDir())).toEqual(before);
  });

  it('archives the superseded package, refuses to go back, and dry-runs without writing', async () => {
    const testing = repo().channel('testing');
    const archive = repo().channel('archive');
    const v2 = await buildPackage('xivo-acme', '1.1.0');

    const before = await snapshot(repoDir());
    const dry = await publishPackage(testing, request(v2), { archive, dryRun: true });
    expect(dry).toMatchObject({ status: 'published', dryRun: true, previous: '1.0.0' });
    expect(dry.message).toMatch(/dry run: would publish xivo-acme 1\.1\.0 .*replacing 1\.0\.0.*xivo-acme-1\.0\.0\.tar\.bz2/);
    expect(await snapshot(repoDir())).toEqual(before);

    const out = await publishPackage(testing, request(v2), { archive });
    expect(out).toMatchObject({ status: 'published', previous: '1.0.0' });
    expect(await testing.list()).toEqual([INDEX_FILE, 'xivo-acme-1.1.0.tar.bz2']);
    expect(await archive.list()).toEqual(['xivo-acme-1.0.0.tar.bz2']);
    expect(await verifyChannel(testing)).toEqual([]);

    const old = await buildPackage('xivo-acme', '1.0.5');
    const snap = await snapshot(repoDir());
    const back = await publishPackage(testing, request(old), { archive });
    expect(back).toMatchObject({ status: 'refused', previous: '1.1.0' });
    expect(back.message).toMatch(/already has xivo-acme 1\.1\.0, newer than 1\.0\.5/);
    expect(await snapshot(repoDir())).toEqual(snap);
  });

  it('refuses a same-named unindexed file with other bytes, and rejects a package that is not what it claims', async () => {
    const testing = repo().channel('testing');
    const stray = await buildPackage('xivo-stray', '2.0.0');
    const mine = await buildPackage('xivo-stray', '2.0.0', { content: 'other = 1\n' });
    await fsp.copyFile(stray.file, path.join(repoDir(), 'testing', 'xivo-stray-2.0.0.tar.bz2'));
    const snap = await snapshot(repoDir());
    const out = await publishPackage(testing, request(mine));
    expect(out.status).toBe('refused');
    expect(out.message).toMatch(/exists with different content and is not indexed/);
    expect(await snapshot(repoDir())).toEqual(snap);

    const wrongInfo = await buildPackage('xivo-liar', '1.0.0');
    await expect(publishPackage(testing, { ...request(wrongInfo), pluginInfoText: infoText('1.0.0', ',\n  "extra": 1') })).rejects.toThrow(
      /cannot be published as xivo-liar:[\s\S]*plugin-info in the package differs from the index entry \(extra\)/,
    );
    await expect(publishPackage(testing, { ...request(wrongInfo), version: '1.0.1' })).rejects.toThrow(/does not match the version being published/);
    const wrongTop = await buildPackage('xivo-top', '1.0.0', { packageId: 'xivo-elsewhere' });
    await expect(publishPackage(testing, request(wrongTop))).rejects.toThrow(/exactly one top-level folder named xivo-top/);
    expect(await snapshot(repoDir())).toEqual(snap);
  });

  it('copies an entry to another channel byte for byte (the promote building block)', async () => {
    const r = repo();
    const [testing, stable, archive] = [r.channel('testing'), r.channel('stable'), r.channel('archive')];
    const copied = await copyEntry(testing, stable, 'xivo-acme', { archive });
    expect(copied).toMatchObject({ status: 'published', version: '1.1.0' });
    const t = parseIndex((await testing.readText(INDEX_FILE))!, 't');
    const s = parseIndex((await stable.readText(INDEX_FILE))!, 's');
    expect(serializeJson(s.get('xivo-acme')!)).toBe(serializeJson(t.get('xivo-acme')!));
    expect(await sha1File(path.join(repoDir(), 'stable', 'xivo-acme-1.1.0.tar.bz2'))).toBe(indexEntry(t, 'xivo-acme')!.sha1sum);
    expect((await copyEntry(testing, stable, 'xivo-acme', { archive })).status).toBe('already-published');
    expect(await verifyChannel(stable)).toEqual([]);
    await expect(copyEntry(testing, stable, 'xivo-none')).rejects.toThrow(/xivo-none is not in/);

    // Both channels supersede 1.1.0: the shared archive gets it once, both channels drop it.
    const v3 = await buildPackage('xivo-acme', '1.2.0');
    expect((await publishPackage(testing, request(v3), { archive })).status).toBe('published');
    expect(await copyEntry(testing, stable, 'xivo-acme', { archive })).toMatchObject({ status: 'published', previous: '1.1.0' });
    expect(await stable.list()).toEqual([INDEX_FILE, 'xivo-acme-1.2.0.tar.bz2']);
    expect(await archive.list()).toEqual(['xivo-acme-1.0.0.tar.bz2', 'xivo-acme-1.1.0.tar.bz2']);
    expect(await verifyChannel(stable)).toEqual([]);
  });

  it('orders provd versions numerically; promote refuses a version it cannot order, which any real version replaces', async () => {
    const r = repo();
    const [testing, stable, archive] = [r.channel('testing'), r.channel('stable'), r.channel('archive')];
    expect((await publishPackage(testing, request(await buildPackage('xivo-two', '0.9')), { archive })).status).toBe('published');
    expect(await publishPackage(testing, request(await buildPackage('xivo-two', '0.10')), { archive })).toMatchObject({ status: 'published', previous: '0.9' });
    const back = await publishPackage(testing, request(await buildPackage('xivo-two', '0.9.5')), { archive });
    expect(back).toMatchObject({ status: 'refused', previous: '0.10' });
    expect(await copyEntry(testing, stable, 'xivo-two', { archive })).toMatchObject({ status: 'published', version: '0.10' });

    // an index written elsewhere may hold anything: 'beta' cannot be promoted, and sorts before real versions
    expect((await publishPackage(testing, request(await buildPackage('xivo-legacy', 'beta')), { archive })).status).toBe('published');
    await expect(copyEntry(testing, stable, 'xivo-legacy')).rejects.toThrow(
      /testing\/plugins\.db \(xivo-legacy\): version "beta" is not a dotted numeric version/
    );
    expect(await publishPackage(testing, request(await buildPackage('xivo-legacy', '0.1')), { archive })).toMatchObject({ status: 'published', previous: 'beta' });
  });

  it('8 publishers in separate processes keep every entry', async () => {
    const dir = tmp('repo-concurrent');
    const built = await Promise.all(Array.from({ length: 8 }, (_, i) => buildPackage(`xivo-conc-${i}`, `1.0.${i}`)));
    const children = built.map((b) => collect(spawnPublisher(dir, b)));
    const codes = await Promise.all(children.map((c) => c.exit));
    children.forEach((c, i) => expect(codes[i], c.err()).toBe(0));
    for (const c of children) expect(JSON.parse(c.out().trim().split('\n').pop()!).status).toBe('published');
    const testing = new LocalChannel(path.join(dir, 'testing'));
    const index = parseIndex((await testing.readText(INDEX_FILE))!, 'db');
    expect([...index.keys()].sort()).toEqual(built.map((b) => b.pluginId).sort());
    expect(await verifyChannel(testing)).toEqual([]);
    expect((await fsp.readdir(path.join(dir, 'testing'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('stays consistent when publishers are SIGKILLed at random moments, and a rerun completes', async () => {
    const dir = tmp('repo-kill');
    await killAndRerun(dir, dir);
  });
});

describe('publishPackage through an rsync daemon (rsync://)', () => {
  const daemon = useRsyncDaemon(() => tmp());

  it('stays consistent when publishers (and their rsync clients) are SIGKILLed at random moments, and a rerun completes', async () => {
    await killAndRerun(`${daemon.url()}/kill`, path.join(daemon.moduleDir(), 'kill'));
  });
});

describe('verifyChannel', () => {
  const dir = () => tmp('repo-verify');
  const channelDir = () => path.join(dir(), 'testing');
  let clean: Record<string, string>;

  /** Index `file` as `pluginId` with a correct dsize and sha1sum, whatever the file holds. */
  async function indexRaw(pluginId: string, version: string, file: string, info: string, edit?: (e: JsonObject) => void): Promise<void> {
    const name = packageFileName(pluginId, version);
    await fsp.copyFile(file, path.join(channelDir(), name));
    const ch = new LocalChannel(channelDir());
    const index = parseIndex((await ch.readText(INDEX_FILE)) ?? '{}', 'db');
    const entry = parseJson(info, 'info') as JsonObject;
    entry.filename = name;
    entry.dsize = new JsonNumber(String((await fsp.stat(file)).size));
    entry.sha1sum = await sha1File(file);
    edit?.(entry);
    index.set(pluginId, entry);
    await ch.writeText(INDEX_FILE, serializeIndex(index));
  }

  async function editEntry(pluginId: string, edit: (e: JsonObject) => void): Promise<void> {
    const ch = new LocalChannel(channelDir());
    const index = parseIndex((await ch.readText(INDEX_FILE))!, 'db');
    edit(indexEntry(index, pluginId)!);
    await ch.writeText(INDEX_FILE, serializeIndex(index));
  }

  async function pythonTar(file: string, members: Array<{ name: string; data?: string; symlink?: string }>): Promise<void> {
    const script = `
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], 'w:bz2') as t:
    for m in json.loads(sys.argv[2]):
        ti = tarfile.TarInfo(m['name'])
        if 'symlink' in m:
            ti.type = tarfile.SYMTYPE; ti.linkname = m['symlink']; t.addfile(ti)
        elif 'data' in m:
            data = m['data'].encode(); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        else:
            ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
`;
    await execFileAsync('python3', ['-c', script, file, JSON.stringify(members)]);
  }

  beforeAll(async () => {
    const testing = new LocalChannel(channelDir());
    for (const id of ['xivo-ok', 'xivo-gone', 'xivo-sha', 'xivo-size', 'xivo-key', 'xivo-info', 'xivo-name']) {
      expect((await publishPackage(testing, request(await buildPackage(id, '1.0.0')))).status).toBe('published');
    }
    clean = await snapshot(dir());
    expect(await verifyChannel(testing)).toEqual([]);
  });

  it('reports each corruption against the plugin id', async () => {
    const testing = new LocalChannel(channelDir());
    await fsp.rm(path.join(channelDir(), 'xivo-gone-1.0.0.tar.bz2'));
    await editEntry('xivo-sha', (e) => (e.sha1sum = '0'.repeat(40)));
    await editEntry('xivo-size', (e) => (e.dsize = new JsonNumber('12')));
    await editEntry('xivo-key', (e) => delete e.capabilities);
    await editEntry('xivo-info', (e) => (e.description = 'not what the package says'));
    await editEntry('xivo-name', (e) => (e.filename = 'xivo-ok-1.0.0.tar.bz2'));

    const wrongTop = await buildPackage('xivo-top', '1.0.0', { packageId: 'xivo-other' });
    await indexRaw('xivo-top', '1.0.0', wrongTop.file, wrongTop.infoText);
    const info = infoText('1.0.0');
    const dotdot = tmp('dotdot.tar.bz2');
    await pythonTar(dotdot, [{ name: 'xivo-dotdot' }, { name: 'xivo-dotdot/plugin-info', data: info }, { name: 'xivo-dotdot/../evil.py', data: 'x' }]);
    await indexRaw('xivo-dotdot', '1.0.0', dotdot, info);
    const link = tmp('link.tar.bz2');
    await pythonTar(link, [{ name: 'xivo-link' }, { name: 'xivo-link/plugin-info', data: info }, { name: 'xivo-link/etc', symlink: '../../etc' }]);
    await indexRaw('xivo-link', '1.0.0', link, info);
    const abs = tmp('abs.tar.bz2');
    await pythonTar(abs, [{ name: 'xivo-abs' }, { name: 'xivo-abs/plugin-info', data: info }, { name: '/evil.py', data: 'x' }]);
    await indexRaw('xivo-abs', '1.0.0', abs, info);

    const problems = await verifyChannel(testing);
    const of = (id: string) => problems.filter((p) => p.pluginId === id).map((p) => p.problem).join('\n');
    expect(of('xivo-ok')).toBe('');
    expect(of('xivo-gone')).toMatch(/xivo-gone-1\.0\.0\.tar\.bz2 is missing/);
    expect(of('xivo-sha')).toMatch(/sha1sum 0{40} does not match/);
    expect(of('xivo-size')).toMatch(/dsize 12 does not match the file's \d+ bytes/);
    expect(of('xivo-key')).toMatch(/missing required key\(s\) capabilities: provd rejects the whole channel/);
    expect(of('xivo-info')).toMatch(/plugin-info in the package differs from the index entry \(description\)/);
    expect(of('xivo-name')).toMatch(/filename "xivo-ok-1\.0\.0\.tar\.bz2" should be "xivo-name-1\.0\.0\.tar\.bz2"/);
    expect(of('xivo-top')).toMatch(/exactly one top-level folder named xivo-top, found: xivo-other/);
    expect(of('xivo-dotdot')).toMatch(/"xivo-dotdot\/\.\.\/evil\.py" contains '\.\.'/);
    expect(of('xivo-link')).toMatch(/symlink xivo-link\/etc -> "\.\.\/\.\.\/etc" resolves outside the plugin folder/);
    expect(of('xivo-abs')).toMatch(/"\/evil\.py" has an absolute name/);
    const ids = new Set(problems.map((p) => p.pluginId));
    expect([...ids].sort()).toEqual(['xivo-abs', 'xivo-dotdot', 'xivo-gone', 'xivo-info', 'xivo-key', 'xivo-link', 'xivo-name', 'xivo-sha', 'xivo-size', 'xivo-top']);
    expect(REQUIRED_INDEX_KEYS).toEqual(['capabilities', 'description', 'version', 'dsize', 'filename', 'sha1sum']);
    expect(Object.keys(clean).length).toBeGreaterThan(0);
  });

  it('reports a missing or unreadable plugins.db as one problem', async () => {
    const empty = new LocalChannel(tmp('repo-empty', 'testing'));
    expect(await verifyChannel(empty)).toEqual([{ file: INDEX_FILE, problem: expect.stringMatching(/plugins\.db is missing/) }]);
    await empty.writeText(INDEX_FILE, '{"a": ');
    expect(await verifyChannel(empty)).toEqual([{ file: INDEX_FILE, problem: expect.stringMatching(/not valid JSON/) }]);
  });

  it('entryPluginInfo strips exactly the package keys', () => {
    const e = parseJson('{"version": "1", "filename": "f", "dsize": 1, "sha1sum": "s", "x.y": 1.0}', 'e') as JsonObject;
    expect(serializeJson(entryPluginInfo(e))).toBe('{"version":"1","x.y":1.0}');
  });
});
