import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { useRsyncDaemon } from '../../test/rsync-daemon';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepository } from './open';
import { LOCK_FILE } from './lock';
import { LocalChannel } from './local';
import { HTTP_READ_ONLY } from './http';
import { ChannelBackend } from './backend';
import { sha1File } from '../package/read';
import { packageFileName } from '../format/package-name';
import { createPackage } from '../package/create';
import { verifyChannel } from '../channel/verify';
import { publishPackage } from '../channel/publish';
import { INDEX_FILE, parseIndex } from '../format/plugins-db';
import { useTempDir, REPO_ROOT } from '../../test/temp';
import { useSshShim } from '../../test/ssh-shim';

const execFileAsync = promisify(execFile);

const tmp = useTempDir('provd-repository-');

function infoText(version: string): string {
  return `{"version": "${version}", "description": "Repo test", "description_fr": "Téléphone", "capabilities": {"Acme, T1, 1.0": {"sip.lines": 1}}, "compat.min_provd": 1.0, "ratio": 0.9}\n`;
}

interface Built {
  pluginId: string;
  version: string;
  file: string;
  infoText: string;
}

let builds = 0;
async function buildPackage(pluginId: string, version: string, content = ''): Promise<Built> {
  const dir = tmp('src', `${builds++}`, pluginId);
  await fsp.mkdir(dir, { recursive: true });
  const text = infoText(version);
  await fsp.writeFile(path.join(dir, 'plugin-info'), text);
  await fsp.writeFile(path.join(dir, 'entry.py'), `# ${version}\n${content}common_globals = {}\n`);
  await fsp.mkdir(path.join(dir, 'var', 'tftpboot'), { recursive: true });
  await fsp.symlink('../entry.py', path.join(dir, 'var', 'entry-link.py'));
  const file = tmp('pkg', `${builds}`, packageFileName(pluginId, version));
  await createPackage(dir, pluginId, file);
  return { pluginId, version, file, infoText: text };
}

const request = (b: Built) => ({ pluginId: b.pluginId, version: b.version, packageFile: b.file, pluginInfoText: b.infoText });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A dead pid: a child that already exited and was reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('close', r));
  return pid;
}

describe('local channel', () => {
  const dir = () => tmp('local', 'testing');

  it('creates the folder on demand, writes atomically, lists files only, removes quietly', async () => {
    const ch = new LocalChannel(dir());
    expect(await ch.readText('plugins.db')).toBeNull();
    expect(await ch.list()).toEqual([]);
    expect(await ch.download('nope', tmp('x'))).toBe(false);
    await ch.writeText('plugins.db', '{}');
    expect(await ch.readText('plugins.db')).toBe('{}');
    await fsp.writeFile(tmp('src-file'), 'one');
    await ch.upload(tmp('src-file'), 'a.tar.bz2');
    await fsp.writeFile(tmp('src-file'), 'two');
    await ch.upload(tmp('src-file'), 'a.tar.bz2', { ifAbsent: true }); // existing file wins
    expect(await fsp.readFile(path.join(dir(), 'a.tar.bz2'), 'utf8')).toBe('one');
    await ch.upload(tmp('src-file'), 'a.tar.bz2');
    expect(await fsp.readFile(path.join(dir(), 'a.tar.bz2'), 'utf8')).toBe('two');
    expect(((await fsp.stat(path.join(dir(), 'a.tar.bz2'))).mode & 0o777).toString(8)).toBe('644');
    await fsp.mkdir(path.join(dir(), 'subdir'));
    expect(await ch.list()).toEqual(['a.tar.bz2', 'plugins.db']);
    expect((await fsp.readdir(dir())).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await ch.remove('a.tar.bz2');
    await ch.remove('a.tar.bz2');
    expect(await ch.list()).toEqual(['plugins.db']);
    await expect(ch.writeText('../escape', 'x')).rejects.toThrow(/invalid channel file name/);
  });

  it('readers only ever see a whole old or whole new index', async () => {
    const ch = new LocalChannel(tmp('local-atomic'));
    const versions = [`{"v":"${'a'.repeat(200_000)}"}`, `{"v":"${'b'.repeat(300_000)}"}`];
    await ch.writeText('plugins.db', versions[0]);
    let stop = false;
    let reads = 0;
    let torn = 0;
    const reader = (async () => {
      for (; !stop; reads++) if (!versions.includes((await ch.readText('plugins.db')) ?? '')) torn++;
    })();
    for (let i = 1; i <= 30; i++) await ch.writeText('plugins.db', versions[i % 2]);
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  });
});

describe('local lock', () => {
  const lockDir = () => tmp('locks');

  it('breaks a lock left by a dead pid at once', async () => {
    const ch = new LocalChannel(path.join(lockDir(), 'dead'));
    await fsp.mkdir(ch.dir, { recursive: true });
    const pid = await deadPid();
    await fsp.writeFile(path.join(ch.dir, LOCK_FILE), JSON.stringify({ owner: 'killed publish', pid, host: os.hostname(), time: new Date().toISOString() }));
    const logs: string[] = [];
    const t0 = Date.now();
    const release = await ch.lock('test', { timeoutMs: 2_000, log: (l) => logs.push(l) });
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(logs.join('\n')).toMatch(/broke the stale lock .* of killed publish \(pid \d+/);
    const held = JSON.parse(await fsp.readFile(path.join(ch.dir, LOCK_FILE), 'utf8'));
    expect(held).toMatchObject({ owner: 'test', pid: process.pid, host: os.hostname() });
    await release();
    expect(fs.existsSync(path.join(ch.dir, LOCK_FILE))).toBe(false);
    expect((await fsp.readdir(ch.dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('waits for a live holder in another process, then times out naming it', async () => {
    const ch = new LocalChannel(path.join(lockDir(), 'live'));
    const script = `const { LocalChannel } = require(${JSON.stringify(path.join(__dirname, 'local'))});
new LocalChannel(${JSON.stringify(ch.dir)}).lock('holder in CI job 42', { staleMs: 600 }).then(() => console.log('locked'));
setInterval(() => {}, 1000);`;
    const holder: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      const t0 = Date.now();
      // staleMs is short but the holder refreshes the mtime every staleMs/4: never stale.
      await expect(ch.lock('second', { timeoutMs: 1_500, staleMs: 600 })).rejects.toThrow(
        /timed out after 1500 ms waiting for the lock .*\.plugins\.db\.lock held by holder in CI job 42 \(pid \d+ on /,
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_450);
      const mtime = (await fsp.stat(path.join(ch.dir, LOCK_FILE))).mtimeMs;
      expect(Date.now() - mtime).toBeLessThan(600);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('close', r));
    }
    // The holder is dead now: its lock goes at once.
    const release = await ch.lock('third', { timeoutMs: 1_000 });
    await release();
  });

  it('breaks a lock from another host once its mtime is older than staleMs', async () => {
    const ch = new LocalChannel(path.join(lockDir(), 'remote'));
    await fsp.mkdir(ch.dir, { recursive: true });
    const lock = path.join(ch.dir, LOCK_FILE);
    await fsp.writeFile(lock, JSON.stringify({ owner: 'elsewhere', pid: 1, host: 'build-host-7', time: '2020-01-01T00:00:00Z' }));
    await expect(ch.lock('me', { timeoutMs: 300, staleMs: 60_000 })).rejects.toThrow(/held by elsewhere \(pid 1 on build-host-7/);
    const old = new Date(Date.now() - 5_000);
    await fsp.utimes(lock, old, old);
    const release = await ch.lock('me', { timeoutMs: 1_000, staleMs: 2_000 });
    await release();
  });

  it('tidy breaks a lock whose holder died here, and leaves a live or foreign one', async () => {
    const ch = new LocalChannel(path.join(lockDir(), 'tidy'));
    await ch.tidy(); // no folder yet: nothing to do
    await fsp.mkdir(ch.dir, { recursive: true });
    const lock = path.join(ch.dir, LOCK_FILE);
    const write = async (pid: number, host = os.hostname()) =>
      fsp.writeFile(lock, JSON.stringify({ owner: 'killed publish', pid, host, time: new Date().toISOString() }));
    await write(process.pid);
    await ch.tidy();
    expect(fs.existsSync(lock)).toBe(true);
    await write(await deadPid(), 'build-host-7'); // elsewhere: only staleness tells
    await ch.tidy();
    expect(fs.existsSync(lock)).toBe(true);
    await write(await deadPid());
    await ch.tidy();
    expect(await fsp.readdir(ch.dir)).toEqual([]);
  });

  it('two lockers in one process take turns', async () => {
    const ch = new LocalChannel(path.join(lockDir(), 'turns'));
    const order: string[] = [];
    const worker = async (name: string) => {
      const release = await ch.lock(name, { timeoutMs: 5_000 });
      order.push(`${name}+`);
      await sleep(50);
      order.push(`${name}-`);
      await release();
    };
    await Promise.all([worker('a'), worker('b'), worker('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i].slice(0, -1)).toBe(order[i + 1].slice(0, -1));
  });
});

describe('HTTP: what provd sees', () => {
  let server: http.Server;
  let baseUrl: string;
  const served = () => tmp('served');

  beforeAll(async () => {
    const repo = openRepository(served(), REPO_ROOT, { create: true });
    for (const [id, v] of [['xivo-http-a', '1.0.0'], ['xivo-http-b', '2.1.0']] as const) {
      expect((await publishPackage(repo.channel('testing'), request(await buildPackage(id, v)))).status).toBe('published');
    }
    const root = path.resolve(served());
    server = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = path.resolve(root, `.${rel}`);
      if (!file.startsWith(`${root}${path.sep}`)) {
        res.writeHead(403).end();
        return;
      }
      fs.readFile(file, (err, data) => {
        if (err) res.writeHead(404).end();
        else res.writeHead(200, { 'content-length': data.length }).end(data);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('Python downloads plugins.db, checks every entry, size and SHA-1, and extracts with tarfile', async () => {
    const script = `
import hashlib, io, json, os, sys, tarfile, tempfile, urllib.request
base = sys.argv[1]
db = json.load(urllib.request.urlopen(base + '/plugins.db'))
for pid, e in sorted(db.items()):
    for k in ('capabilities', 'description', 'version', 'dsize', 'filename', 'sha1sum'):
        assert k in e, (pid, k)
    data = urllib.request.urlopen(base + '/' + e['filename']).read()
    assert len(data) == e['dsize'], (pid, len(data))
    assert hashlib.sha1(data).hexdigest() == e['sha1sum'], pid
    dest = tempfile.mkdtemp()
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        t.extractall(dest)
    assert os.listdir(dest) == [pid], os.listdir(dest)
    with open(os.path.join(dest, pid, 'plugin-info')) as f:
        info = json.load(f)
    assert info == {k: v for k, v in e.items() if k not in ('filename', 'dsize', 'sha1sum')}, pid
    assert isinstance(e['compat.min_provd'], float) and e['description_fr'] == 'T\\u00e9l\\u00e9phone'
    assert os.readlink(os.path.join(dest, pid, 'var', 'entry-link.py')) == '../entry.py'
print(json.dumps(sorted(db)))
`;
    const { stdout } = await execFileAsync('python3', ['-c', script, `${baseUrl}/testing`]);
    expect(JSON.parse(stdout)).toEqual(['xivo-http-a', 'xivo-http-b']);
  });

  it('the HTTP backend reads, downloads, lists and verifies, and refuses to write', async () => {
    const repo = openRepository(baseUrl, REPO_ROOT);
    const testing = repo.channel('testing');
    const db = await testing.readText(INDEX_FILE);
    expect(db).toBe(await fsp.readFile(path.join(served(), 'testing', INDEX_FILE), 'utf8'));
    expect(await testing.readText('absent.db')).toBeNull();
    const local = tmp('http-download.tar.bz2');
    expect(await testing.download('xivo-http-a-1.0.0.tar.bz2', local)).toBe(true);
    expect(await sha1File(local)).toBe(await sha1File(path.join(served(), 'testing', 'xivo-http-a-1.0.0.tar.bz2')));
    expect(await testing.download('absent.tar.bz2', local)).toBe(false);
    expect(await testing.list()).toEqual([INDEX_FILE, 'xivo-http-a-1.0.0.tar.bz2', 'xivo-http-b-2.1.0.tar.bz2']);
    expect(await verifyChannel(testing)).toEqual([]);
    expect(await verifyChannel(repo.channel('stable'))).toEqual([{ file: INDEX_FILE, problem: expect.stringMatching(/stable\/plugins\.db is missing/) }]);

    const readOnly = new RegExp(HTTP_READ_ONLY.replace(/[.;]/g, '.'));
    await expect(testing.upload(local, 'x.tar.bz2')).rejects.toThrow(readOnly);
    await expect(testing.writeText(INDEX_FILE, '{}')).rejects.toThrow(readOnly);
    await expect(testing.remove('x')).rejects.toThrow(readOnly);
    await expect(testing.lock('me')).rejects.toThrow(readOnly);
    const b = await buildPackage('xivo-http-c', '1.0.0');
    await expect(publishPackage(testing, request(b))).rejects.toThrow(readOnly);
  });
});

/** Channel file contents by name, for before/after comparisons. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) out[name] = await sha1File(path.join(dir, name));
  return out;
}

/** Publish, republish, refuse, supersede + archive, verify: the same story on any writable backend. */
async function publishStory(repoLocation: string, folder: string): Promise<void> {
  const repo = openRepository(repoLocation, REPO_ROOT, { create: true });
  const testing = repo.channel('testing');
  const archive = repo.channel('archive');
  const v1 = await buildPackage('xivo-remote', '1.0.0');
  const first = await publishPackage(testing, request(v1), { archive });
  expect(first.status, first.message).toBe('published');
  expect(await testing.list()).toEqual([INDEX_FILE, 'xivo-remote-1.0.0.tar.bz2']);
  const before = await hashes(path.join(folder, 'testing'));
  expect((await publishPackage(testing, request(v1), { archive })).status).toBe('already-published');
  const other = await buildPackage('xivo-remote', '1.0.0', 'x = 1\n');
  expect((await publishPackage(testing, request(other), { archive })).status).toBe('refused');
  expect(await hashes(path.join(folder, 'testing'))).toEqual(before);

  const v2 = await buildPackage('xivo-remote', '1.1.0');
  expect((await publishPackage(testing, request(v2), { archive })).status).toBe('published');
  expect(await testing.list()).toEqual([INDEX_FILE, 'xivo-remote-1.1.0.tar.bz2']);
  expect(await archive.list()).toEqual(['xivo-remote-1.0.0.tar.bz2']);
  expect(await verifyChannel(testing)).toEqual([]);
  expect(await verifyChannel(new LocalChannel(path.join(folder, 'testing')))).toEqual([]);
  const index = parseIndex((await fsp.readFile(path.join(folder, 'testing', INDEX_FILE), 'utf8')), 'db');
  expect([...index.keys()]).toEqual(['xivo-remote']);
  expect(await fsp.readFile(path.join(folder, 'testing', INDEX_FILE), 'utf8')).toContain('"compat.min_provd":1.0,');
  expect(fs.existsSync(path.join(folder, 'testing', LOCK_FILE))).toBe(false);

  // A publish killed between indexing and releasing leaves its lock; a rerun that finds its work
  // done takes no lock, but removes that one (its holder is a dead pid here) instead of leaving
  // it for whoever comes next, maybe from another host where only staleness can break it.
  const lockPath = path.join(folder, 'testing', LOCK_FILE);
  await fsp.writeFile(lockPath, JSON.stringify({ owner: 'publish xivo-remote 1.1.0', pid: await deadPid(), host: os.hostname(), time: new Date().toISOString(), token: 'killed' }));
  expect((await publishPackage(testing, request(v2), { archive })).status).toBe('already-published');
  expect(fs.existsSync(lockPath)).toBe(false);
}

async function backendBasics(ch: ChannelBackend, folder: string): Promise<void> {
  expect(await ch.readText('absent.db')).toBeNull();
  expect(await ch.download('absent.tar.bz2', tmp('absent'))).toBe(false);
  await ch.writeText('note.txt', 'héllo');
  expect(await ch.readText('note.txt')).toBe('héllo');
  await fsp.writeFile(tmp('other.txt'), 'other');
  await ch.upload(tmp('other.txt'), 'note.txt', { ifAbsent: true });
  expect(await fsp.readFile(path.join(folder, 'note.txt'), 'utf8')).toBe('héllo');
  expect(await ch.list()).toContain('note.txt');
  await ch.remove('note.txt');
  await ch.remove('note.txt');
  expect(await ch.list()).not.toContain('note.txt');
  await expect(ch.readText('*.db')).rejects.toThrow(/not safe to pass to rsync/);
}

describe('rsync daemon', () => {
  const daemon = useRsyncDaemon(() => tmp());
  const url = () => daemon.url();
  const moduleDir = () => daemon.moduleDir();

  it('8 publishers in separate processes keep every entry (a lock or index vanishing mid-transfer is retried)', async () => {
    const built = await Promise.all(Array.from({ length: 8 }, (_, i) => buildPackage(`xivo-rconc-${i}`, `1.0.${i}`)));
    const script = `
const { openRepository } = require(${JSON.stringify(path.join(__dirname, 'open'))});
const { publishPackage } = require(${JSON.stringify(path.join(__dirname, '..', 'channel', 'publish'))});
const [repo, pluginId, version, packageFile, infoB64] = process.argv.slice(-5);
const repository = openRepository(repo, process.cwd(), { create: true });
publishPackage(repository.channel('testing'), { pluginId, version, packageFile, pluginInfoText: Buffer.from(infoB64, 'base64').toString('utf8') }, { archive: repository.channel('archive') })
  .then((o) => { process.stdout.write(o.status + '\\n'); process.exit(o.status === 'published' ? 0 : 1); })
  .catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });
`;
    const results = await Promise.all(
      built.map((b) =>
        execFileAsync(process.execPath, ['-r', '@swc-node/register', '-e', script, '--', `${url()}/concurrent`, b.pluginId, b.version, b.file, Buffer.from(b.infoText).toString('base64')], {
          cwd: REPO_ROOT,
          timeout: 240_000,
        }).then(
          (r) => r.stdout.trim(),
          (e: { stderr?: string; message: string }) => `failed: ${e.stderr || e.message}`,
        ),
      ),
    );
    expect(results).toEqual(built.map(() => 'published'));
    const folder = path.join(moduleDir(), 'concurrent', 'testing');
    const index = parseIndex(await fsp.readFile(path.join(folder, INDEX_FILE), 'utf8'), 'db');
    expect([...index.keys()].sort()).toEqual(built.map((b) => b.pluginId).sort());
    expect(await verifyChannel(new LocalChannel(folder))).toEqual([]);
  });

  it('moves files like the local backend', async () => {
    const ch = openRepository(`${url()}/basics`, REPO_ROOT, { create: true }).channel('testing');
    expect(await ch.list()).toEqual([]);
    await backendBasics(ch, path.join(moduleDir(), 'basics', 'testing'));
  });

  it('publishes through rsync:// and verifies through rsync and on the folder', async () => {
    await publishStory(`${url()}/repo`, path.join(moduleDir(), 'repo'));
  });

  it('locks best effort: a second locker times out, a stale or dead lock is broken', async () => {
    const ch = openRepository(`${url()}/locks`, REPO_ROOT, { create: true }).channel('testing');
    const release = await ch.lock('first', { staleMs: 60_000 });
    await expect(ch.lock('second', { timeoutMs: 800 })).rejects.toThrow(/timed out after 800 ms .* held by first \(pid \d+/);
    await release();
    expect(await ch.readText(LOCK_FILE)).toBeNull();

    const lockPath = path.join(moduleDir(), 'locks', 'testing', LOCK_FILE);
    await fsp.writeFile(lockPath, JSON.stringify({ owner: 'old', pid: 1, host: 'elsewhere', time: new Date(Date.now() - 10_000).toISOString(), token: 'x' }));
    const logs: string[] = [];
    await (await ch.lock('me', { timeoutMs: 5_000, staleMs: 5_000, log: (l) => logs.push(l) }))();
    expect(logs.join('\n')).toMatch(/broke the stale lock .* of old/);
    await fsp.writeFile(lockPath, JSON.stringify({ owner: 'dead', pid: await deadPid(), host: os.hostname(), time: new Date().toISOString(), token: 'y' }));
    await (await ch.lock('me', { timeoutMs: 5_000 }))();
    expect(fs.existsSync(lockPath)).toBe(false);
  });
});

describe('rsync over ssh (RSYNC_RSH shim)', () => {
  useSshShim(tmp);

  it('moves files like the local backend', async () => {
    const folder = tmp('ssh-basics');
    const ch = openRepository(`deploy@mirror.example:${folder}`, REPO_ROOT, { create: true }).channel('stable');
    await backendBasics(ch, path.join(folder, 'stable'));
  });

  it('publishes through user@host:path and verifies', async () => {
    const folder = tmp('ssh-repo');
    await publishStory(`deploy@mirror.example:${folder}`, folder);
  });
});
