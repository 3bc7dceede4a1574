import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../test/child-process';
import { useRsyncDaemon } from '../../test/rsync-daemon';
import { buildTestPackage, type TestPackage } from '../../test/test-package';
import { snapshotFiles } from '../../test/file-snapshot';
import { INDEX_FILE, indexEntry, parseIndex } from '../format/plugins-db';
import { publishPackage } from './publish';
import { verifyChannel } from './verify';
import { orphans } from './orphans';
import { familyOfId as orphanFamily } from '../format/family-of-id';
import { sha1File } from '../package/read';
import { formatPromoteTable, promote, type PromoteRequest } from './promote';
import { openRepository } from '../repository/open';
import type { ChannelBackend, Repository } from '../repository/backend';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
let tmpRoot: string;
const tmp = (...parts: string[]) => path.join(tmpRoot, ...parts);
let promoterScript: string;
let publisherScript: string;

beforeAll(async () => {
  tmpRoot = await fsp.mkdtemp(path.join(os.tmpdir(), 'provd-promote-'));
  await fsp.mkdir(tmp('child-tmp'));
  promoterScript = tmp('promote-child.ts');
  publisherScript = tmp('publish-child.ts');
  // A promoter in its own process: says "ready", waits for "go" if gated, promotes the family.
  await fsp.writeFile(
    promoterScript,
    `import { promote } from ${JSON.stringify(path.join(__dirname, 'promote'))};
import { openRepository } from ${JSON.stringify(path.join(__dirname, '../repository/open'))};
async function main(): Promise<void> {
  const [repo, name, models, gate] = process.argv.slice(2);
  const r = openRepository(repo, process.cwd());
  process.stdout.write('ready\\n');
  if (gate === 'gate') await new Promise((resolve) => process.stdin.once('data', resolve));
  const result = await promote({ name, models: models.split(','), from: r.channel('testing'), fromName: 'testing', to: r.channel('stable'), toName: 'stable', archive: r.channel('archive') });
  process.stdout.write(JSON.stringify(result) + '\\n');
}
main().catch((e) => { process.stderr.write(String((e as Error)?.stack ?? e) + '\\n'); process.exit(1); });
`,
  );
  await fsp.writeFile(
    publisherScript,
    `import { readFileSync } from 'node:fs';
import { publishPackage } from ${JSON.stringify(path.join(__dirname, 'publish'))};
import { openRepository } from ${JSON.stringify(path.join(__dirname, '../repository/open'))};
async function main(): Promise<void> {
  const [repo, pluginId, version, packageFile, infoFile] = process.argv.slice(2);
  const r = openRepository(repo, process.cwd(), { create: true });
  const outcome = await publishPackage(r.channel('testing'), { pluginId, version, packageFile, pluginInfoText: readFileSync(infoFile, 'utf8') }, { archive: r.channel('archive') });
  process.stdout.write(JSON.stringify(outcome) + '\\n');
}
main().catch((e) => { process.stderr.write(String((e as Error)?.stack ?? e) + '\\n'); process.exit(1); });
`,
  );
});
afterAll(async () => {
  await fsp.rm(tmpRoot, { recursive: true, force: true });
});

type Built = TestPackage;

function buildPackage(pluginId: string, version: string, opts: { content?: string; bigFile?: string } = {}): Promise<Built> {
  const info = `{"version": "${version}", "description": "${pluginId}", "capabilities": {}}\n`;
  return buildTestPackage(tmpRoot, pluginId, version, { info, entry: `# ${pluginId} ${version}\n${opts.content ?? ''}`, bigFile: opts.bigFile });
}

async function publish(r: Repository, b: Built): Promise<void> {
  const outcome = await publishPackage(r.channel('testing'), { pluginId: b.pluginId, version: b.version, packageFile: b.file, pluginInfoText: b.infoText }, { archive: r.channel('archive') });
  expect(outcome.status, outcome.message).not.toBe('refused');
}

async function index(ch: ChannelBackend): Promise<Record<string, any>> {
  const text = await ch.readText(INDEX_FILE);
  return text === null ? {} : JSON.parse(text);
}

/** Every file under `root` with its SHA-1 ("unchanged" means byte for byte). */
const snapshot = (root: string) => snapshotFiles(root);

const ACME = ['acme-1.0', 'acme-2.0'];
const ACME_PRO = ['acme-pro-1.0'];
const FAMILIES = ['acme', 'acme-pro'];

function request(r: Repository, name: string, models: string[], extra: Partial<PromoteRequest> = {}): PromoteRequest {
  return {
    name,
    models,
    orphans: (ids) => orphans(ids, [...ACME, ...ACME_PRO], FAMILIES, name),
    from: r.channel('testing'),
    fromName: 'testing',
    to: r.channel('stable'),
    toName: 'stable',
    archive: r.channel('archive'),
    ...extra,
  };
}

describe('orphans', () => {
  it('belong to the family with the longest name prefix, never to a family that is only a prefix of it', () => {
    expect(orphanFamily('acme-pro-9', FAMILIES)).toBe('acme-pro');
    expect(orphanFamily('acme-9', FAMILIES)).toBe('acme');
    expect(orphanFamily('other-1', FAMILIES)).toBeUndefined();
    expect(orphans(['acme-1.0', 'acme-9', 'acme-pro-9', 'other-1'], ACME, FAMILIES, 'acme')).toEqual(['acme-9']);
    expect(orphans(['acme-1.0', 'acme-9', 'acme-pro-9', 'other-1'], ACME, FAMILIES)).toEqual(['acme-9', 'acme-pro-9', 'other-1']);
  });
});

describe('promote between local channels', () => {
  let r: Repository;
  const dir = () => tmp('repo');
  beforeAll(async () => {
    r = openRepository(dir(), REPO_ROOT, { create: true });
    for (const id of [...ACME, ...ACME_PRO]) await publish(r, await buildPackage(id, '1.0.0'));
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const before = await snapshot(dir());
    const result = await promote(request(r, 'acme', ACME, { dryRun: true }));
    expect(result.rows.map((x) => [x.model, x.action])).toEqual([['acme-1.0', 'promote'], ['acme-2.0', 'promote']]);
    const table = formatPromoteTable(result.rows, 'testing', 'stable');
    expect(table.split('\n')[0]).toMatch(/^model\s+stable -> testing\s+action$/);
    expect(table).toMatch(/acme-1\.0\s+- -> 1\.0\.0\s+promote/);
    expect(await snapshot(dir())).toEqual(before);
  });

  it('makes stable carry the family\'s testing bytes and entries, nothing of the family whose name it prefixes', async () => {
    const result = await promote(request(r, 'acme', ACME));
    expect(result.ok).toBe(true);
    expect(result.rows.map((x) => x.action)).toEqual(['promoted', 'promoted']);
    const [t, s] = [await index(r.channel('testing')), await index(r.channel('stable'))];
    expect(Object.keys(s).sort()).toEqual(ACME);
    for (const id of ACME) expect(s[id]).toEqual(t[id]);
    for (const id of ACME) {
      expect(await sha1File(path.join(dir(), 'stable', s[id].filename))).toBe(t[id].sha1sum);
    }
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
    // a rerun: already promoted, nothing written
    const before = await snapshot(dir());
    expect((await promote(request(r, 'acme', ACME))).rows.map((x) => x.action)).toEqual(['already promoted', 'already promoted']);
    expect(await snapshot(dir())).toEqual(before);
  });

  it('a new version: promoted, the superseded one archived; rollback restores the archived bytes', async () => {
    const v1 = (await index(r.channel('stable')))['acme-1.0'];
    await publish(r, await buildPackage('acme-1.0', '1.0.1', { content: '# fix\n' }));
    const proBefore = (await index(r.channel('stable')))['acme-pro-1.0'];
    const result = await promote(request(r, 'acme', ACME));
    expect(result.rows.map((x) => [x.model, x.toVersion, x.fromVersion, x.action])).toEqual([
      ['acme-1.0', '1.0.0', '1.0.1', 'promoted'],
      ['acme-2.0', '1.0.0', '1.0.0', 'already promoted'],
    ]);
    expect(await r.channel('stable').list()).not.toContain('acme-1.0-1.0.0.tar.bz2');
    expect(await r.channel('archive').list()).toContain('acme-1.0-1.0.0.tar.bz2');
    expect((await index(r.channel('stable')))['acme-pro-1.0']).toEqual(proBefore);

    // rolling back needs the archived version and one model
    await expect(promote(request(r, 'acme', ACME, { from: r.channel('archive'), fromName: 'archive', fromArchive: true }))).rejects.toThrow(/--models <id> and --version=<v>/);
    const back = await promote(request(r, 'acme', ACME, { from: r.channel('archive'), fromName: 'archive', fromArchive: true, only: ['acme-1.0'], version: '1.0.0' }));
    expect(back.ok).toBe(true);
    expect(back.rows.map((x) => [x.model, x.toVersion, x.fromVersion, x.action])).toEqual([['acme-1.0', '1.0.1', '1.0.0', 'promoted']]);
    expect((await index(r.channel('stable')))['acme-1.0']).toEqual(v1);
    expect(await sha1File(path.join(dir(), 'stable', 'acme-1.0-1.0.0.tar.bz2'))).toBe(v1.sha1sum);
    // the replaced newer version went to the archive, not away
    expect(await r.channel('stable').list()).not.toContain('acme-1.0-1.0.1.tar.bz2');
    expect(await r.channel('archive').list()).toContain('acme-1.0-1.0.1.tar.bz2');
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
  });

  it('refuses to go back unless allowed; skips a model missing from testing; --models picks a subset', async () => {
    // stable holds 1.0.0 (rolled back), testing 1.0.1: that is forward. Make testing older than stable instead:
    await publish(r, await buildPackage('acme-2.0', '1.1.0'));
    await promote(request(r, 'acme', ACME, { only: ['acme-2.0'] }));
    expect((await index(r.channel('stable')))['acme-2.0'].version).toBe('1.1.0');
    const stableState = await snapshot(path.join(dir(), 'stable'));
    // another testing channel that has an older acme-2.0 and no acme-1.0
    const other = openRepository(tmp('repo-old'), REPO_ROOT, { create: true });
    await publish(other, await buildPackage('acme-2.0', '1.0.0'));
    const req = request(r, 'acme', ACME, { from: other.channel('testing') });
    const refused = await promote(req);
    expect(refused.ok).toBe(false);
    expect(refused.rows.map((x) => [x.model, x.action])).toEqual([['acme-1.0', 'skipped'], ['acme-2.0', 'refused']]);
    expect(refused.rows[0].message).toMatch(/acme-1\.0 is not in testing/);
    expect(refused.rows[1].message).toMatch(/newer than testing's 1\.0\.0: --allow-downgrade/);
    expect(await snapshot(path.join(dir(), 'stable'))).toEqual(stableState);
    const down = await promote({ ...req, allowDowngrade: true });
    expect(down.rows[1].action).toBe('promoted');
    expect((await index(r.channel('stable')))['acme-2.0'].version).toBe('1.0.0');
    expect(await r.channel('archive').list()).toContain('acme-2.0-1.1.0.tar.bz2');
    await expect(promote(request(r, 'acme', ACME, { only: ['acme-pro-1.0'] }))).rejects.toThrow(/acme-pro-1\.0 is not a model of acme/);
  });

  it('reports orphans of the family, and --prune archives them from stable only', async () => {
    // acme-3.0 was promoted once, then removed from the source
    await publish(r, await buildPackage('acme-3.0', '1.0.0'));
    await promote(request(r, 'acme', [...ACME, 'acme-3.0'], { only: ['acme-3.0'] }));
    await promote(request(r, 'acme-pro', ACME_PRO));
    const reported = await promote(request(r, 'acme', ACME));
    expect(reported.rows.filter((x) => x.action === 'orphan').map((x) => x.model)).toEqual(['acme-3.0']);
    // acme-pro does not see acme's orphan
    expect((await promote(request(r, 'acme-pro', ACME_PRO))).rows.map((x) => x.action)).toEqual(['already promoted']);
    const pruned = await promote(request(r, 'acme', ACME, { prune: true }));
    expect(pruned.rows.find((x) => x.model === 'acme-3.0')!.action).toBe('pruned');
    const s = await index(r.channel('stable'));
    expect(Object.keys(s).sort()).toEqual([...ACME, ...ACME_PRO].sort());
    expect(await r.channel('stable').list()).not.toContain('acme-3.0-1.0.0.tar.bz2');
    expect(await r.channel('archive').list()).toContain('acme-3.0-1.0.0.tar.bz2');
    expect(Object.keys(await index(r.channel('testing')))).toContain('acme-3.0');
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
  });

  it('a rerun archives what a promote killed after its index write left unreferenced in stable, and nothing of another family', async () => {
    const stable = path.join(dir(), 'stable');
    const archived = (name: string) => path.join(dir(), 'archive', name);
    // the earlier tests promoted acme-1.0 1.0.1 again: roll it back, as the killed run did
    const rollback = request(r, 'acme', ACME, { from: r.channel('archive'), fromName: 'archive', fromArchive: true, only: ['acme-1.0'], version: '1.0.0' });
    expect((await promote(rollback)).rows.map((x) => x.action)).toEqual(['promoted']);
    // killed after the index writes, before the moves: a rollback's replaced 1.0.1, a pruned orphan's package,
    // and a package of an acme-pro orphan (acme-pro-9, which acme's prune must not take for acme's)
    await fsp.copyFile(archived('acme-1.0-1.0.1.tar.bz2'), path.join(stable, 'acme-1.0-1.0.1.tar.bz2'));
    await fsp.copyFile(archived('acme-3.0-1.0.0.tar.bz2'), path.join(stable, 'acme-3.0-1.0.0.tar.bz2'));
    await fsp.copyFile(archived('acme-3.0-1.0.0.tar.bz2'), path.join(stable, 'acme-pro-9-1.0.0.tar.bz2'));
    const entries = await index(r.channel('stable'));
    const rerun = await promote(rollback);
    expect(rerun.rows.map((x) => [x.model, x.action])).toEqual([['acme-1.0', 'already promoted']]);
    const files = await r.channel('stable').list();
    expect(files).not.toContain('acme-1.0-1.0.1.tar.bz2');
    // without --prune an orphan's package is left alone
    expect(files).toEqual(expect.arrayContaining(['acme-1.0-1.0.0.tar.bz2', 'acme-3.0-1.0.0.tar.bz2', 'acme-pro-9-1.0.0.tar.bz2']));
    // with --prune, the family's orphan package too; acme-pro's stays
    await promote({ ...rollback, prune: true });
    expect((await r.channel('stable').list()).sort()).toEqual([...files.filter((f) => f !== 'acme-3.0-1.0.0.tar.bz2')].sort());
    expect(await index(r.channel('stable'))).toEqual(entries);
    expect(await r.channel('archive').list()).toEqual(expect.arrayContaining(['acme-1.0-1.0.1.tar.bz2', 'acme-3.0-1.0.0.tar.bz2']));
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
    await fsp.rm(path.join(stable, 'acme-pro-9-1.0.0.tar.bz2'));
  });
});

function child(script: string, args: string[], gate = false) {
  return collect(
    spawn(process.execPath, ['-r', '@swc-node/register', script, ...args], {
      cwd: REPO_ROOT,
      stdio: [gate ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp('child-tmp') },
    }),
  );
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('promote under kills and concurrency', () => {
  it('a promote SIGKILLed at random moments leaves both channels verify-clean, and a rerun completes (20 times)', async () => {
    const dir = tmp('repo-kill');
    const r = openRepository(dir, REPO_ROOT, { create: true });
    const big = tmp('firmware.bin');
    await fsp.writeFile(big, randomBytes(1_500_000)); // real upload and read-back time to land in
    const ids = ['kill-a', 'kill-b', 'kill-c'];
    const prepare = () => {
      // gated: it waits for "go", so the next round's promoter never races this round's checks
      const c = child(promoterScript, [dir, 'kill', ids.join(','), 'gate'], true);
      return c.line('ready').then(() => c);
    };
    const all = () => promote({ name: 'kill', models: ids, from: r.channel('testing'), fromName: 'testing', to: r.channel('stable'), toName: 'stable', archive: r.channel('archive') });
    // stable starts as a clean channel (a missing plugins.db is a channel never written)
    for (const id of ids) await publish(r, await buildPackage(id, '0.9.0'));
    expect((await all()).ok).toBe(true);
    const progress: Record<number, number> = {};
    let next = prepare();
    for (let i = 0; i < 20; i++) {
      // every round: a new version of each model in testing, then a promote killed somewhere
      for (const id of ids) await publish(r, await buildPackage(id, `1.0.${i}`, { bigFile: big }));
      const c = await next;
      next = prepare();
      c.proc.stdin!.end('go\n');
      await sleep(900 * Math.random()); // uniform over the promote of the three models
      c.proc.kill('SIGKILL'); // this child's own pid, nothing else
      await c.exit;
      expect(await verifyChannel(r.channel('stable')), `round ${i}: stable`).toEqual([]);
      expect(await verifyChannel(r.channel('testing')), `round ${i}: testing`).toEqual([]);
      const rerun = await all();
      expect(rerun.ok, JSON.stringify(rerun.rows)).toBe(true);
      // how far the killed promoter got: the models the rerun still had to promote
      const left = rerun.rows.filter((x) => x.action === 'promoted').length;
      progress[left] = (progress[left] ?? 0) + 1;
      const [t, s] = [await index(r.channel('testing')), await index(r.channel('stable'))];
      for (const id of ids) expect(s[id], `round ${i}: ${id}`).toEqual(t[id]);
      expect((await r.channel('stable').list()).sort()).toEqual([INDEX_FILE, ...ids.map((id) => `${id}-1.0.${i}.tar.bz2`)].sort());
    }
    (await next).proc.kill('SIGKILL');
    console.log(`promote kill test: models left to the rerun -> rounds ${JSON.stringify(progress)}`);
    // every superseded version of each model is in the archive: nothing was deleted
    const archived = new Set(await r.channel('archive').list());
    for (const id of ids) {
      expect(archived.has(`${id}-0.9.0.tar.bz2`)).toBe(true);
      for (let i = 0; i < 19; i++) expect(archived.has(`${id}-1.0.${i}.tar.bz2`), `${id} 1.0.${i}`).toBe(true);
    }
  }, 300_000);

  it('4 promoters and 4 publishers at once lose nothing', async () => {
    const dir = tmp('repo-mixed');
    const r = openRepository(dir, REPO_ROOT, { create: true });
    const families = ['fa', 'fb', 'fc', 'fd'].map((f) => ({ name: f, ids: [`${f}-1`, `${f}-2`] }));
    for (const f of families) for (const id of f.ids) await publish(r, await buildPackage(id, '1.0.0'));
    // publishers add new ids while the promoters work
    const extra = await Promise.all(['px-1', 'px-2', 'px-3', 'px-4'].map((id) => buildPackage(id, '2.0.0')));
    const children = [
      ...families.map((f) => child(promoterScript, [dir, f.name, f.ids.join(',')])),
      ...extra.map((b) => child(publisherScript, [dir, b.pluginId, b.version, b.file, b.infoFile])),
    ];
    const codes = await Promise.all(children.map((c) => c.exit));
    children.forEach((c, i) => expect(codes[i], c.err()).toBe(0));
    const [t, s] = [await index(r.channel('testing')), await index(r.channel('stable'))];
    expect(Object.keys(t).sort()).toEqual([...families.flatMap((f) => f.ids), ...extra.map((b) => b.pluginId)].sort());
    expect(Object.keys(s).sort()).toEqual(families.flatMap((f) => f.ids).sort());
    for (const id of Object.keys(s)) expect(s[id]).toEqual(t[id]);
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
    expect(await verifyChannel(r.channel('testing'))).toEqual([]);
  }, 120_000);
});

describe('promote over rsync://', () => {
  const daemon = useRsyncDaemon(() => tmpRoot);
  const url = () => `${daemon.url()}/repo`;

  it('promotes, archives the superseded package and rolls back, as on a folder', async () => {
    const r = openRepository(url(), REPO_ROOT, { create: true });
    await publish(r, await buildPackage('acme-1.0', '1.0.0'));
    expect((await promote(request(r, 'acme', ['acme-1.0']))).ok).toBe(true);
    await publish(r, await buildPackage('acme-1.0', '1.0.1', { content: '# fix\n' }));
    expect((await promote(request(r, 'acme', ['acme-1.0']))).rows.map((x) => x.action)).toEqual(['promoted']);
    expect(indexEntry(parseIndex((await r.channel('stable').readText(INDEX_FILE))!, 'db'), 'acme-1.0')!.sha1sum).toBe(
      indexEntry(parseIndex((await r.channel('testing').readText(INDEX_FILE))!, 'db'), 'acme-1.0')!.sha1sum,
    );
    expect(await r.channel('archive').list()).toContain('acme-1.0-1.0.0.tar.bz2');
    const back = await promote(request(r, 'acme', ['acme-1.0'], { from: r.channel('archive'), fromName: 'archive', fromArchive: true, only: ['acme-1.0'], version: '1.0.0' }));
    expect(back.ok).toBe(true);
    expect((await r.channel('stable').list()).sort()).toEqual(['acme-1.0-1.0.0.tar.bz2', INDEX_FILE]);
    expect(await verifyChannel(r.channel('stable'))).toEqual([]);
  });
});
