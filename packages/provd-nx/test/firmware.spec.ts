/**
 * check-firmware's library against real servers on 127.0.0.1 (no HTTP mocks), the real
 * xivo-fetchfw (through the provd Python path) and the real unzip/tar/7zr install steps.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, useTempDir } from './temp';
import { generatedSha1, startFirmwareServer, type FirmwareServer } from './firmware-server';
import { checkFamilyFirmware, formatProblem } from '../src/firmware/offline';
import { checkFirmware, type CheckFirmwareOptions, type FirmwareReport, type FirmwareScope } from '../src/firmware/check';
import { formatReport } from '../src/firmware/report';
import { sharedFile } from './provd-consumer';

const PYTHONPATH = process.env.PROVD_PYTHONPATH || sharedFile('provd', 'pythonpath') || join(REPO_ROOT, '..', 'shared', 'provd', 'pythonpath');
const tmp = useTempDir('provd-firmware-');
const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

function options(over: Partial<CheckFirmwareOptions> = {}): CheckFirmwareOptions {
  return {
    root: tmp(),
    mode: 'links',
    cacheDir: tmp('cache', String(Math.random()).slice(2)),
    maxAgeSeconds: 3600,
    timeoutSeconds: 5,
    retries: 0,
    backoffMs: 10,
    concurrency: 8,
    perHost: 4,
    mirrors: [],
    pythonPath: PYTHONPATH,
    fix: false,
    dryRun: false,
    maxBytes: 2 ** 33,
    ...over,
  };
}

/** A family folder with one model per pkgs.db text. */
function family(name: string, models: Record<string, string>): FirmwareScope {
  const files: string[] = [];
  const scope: FirmwareScope = { models: [], families: new Map() };
  for (const [model, text] of Object.entries(models)) {
    const file = tmp(name, model, 'pkgs', 'pkgs.db');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    files.push(file);
    scope.models.push({ model: `${name}-${model}`, family: name, pkgsDb: file });
  }
  scope.families.set(name, files);
  return scope;
}

function fileSection(id: string, url: string, size: number, sha: string, extra = ''): string {
  return `[file_${id}]\nurl = ${url}\nsize = ${size}\nsha1sum = ${sha}\n${extra}\n`;
}

function pkg(id: string, files: string, install = 'fw'): string {
  return `[pkg_${id}]\ndescription = ${id}\nversion = 1.0\nfiles = ${files}\ninstall = ${install}\n\n`;
}

const CP = '[install_fw]\na-b = cp $FILE1 firmware/\n\n';
const row = (r: FirmwareReport, file: string) => r.rows.find((x) => x.file === file)!;

describe('offline checks', () => {
  it('find nothing wrong in the sample families, which provd\'s own storage also loads', async () => {
    for (const f of ['xivo-cisco-spa', 'xivo-snom']) {
      expect((await checkFamilyFirmware(join(REPO_ROOT, 'plugins', f), { pythonPath: PYTHONPATH, root: REPO_ROOT })).map(formatProblem)).toEqual([]);
    }
    // the oracle: xivo-fetchfw's storage as provd builds it, every package installable
    const script = `
import glob, sys
from xivo_fetchfw import download, storage
n = 0
for db in sorted(glob.glob(sys.argv[1] + '/plugins/*/*/pkgs')):
    s = storage.new_installable_pkg_storage(db, '/nonexistent', download.new_downloaders(), {})
    n += len(s)
print(n)`;
    const out = execFileSync('python3', ['-c', script, REPO_ROOT], { env: { ...process.env, PYTHONPATH }, encoding: 'utf8' });
    expect(Number(out.trim())).toBeGreaterThan(15);
  });

  it('name the file, section and key of each problem, and change nothing', async () => {
    const good = sha1('x');
    const texts = {
      parse: `[pkg_a]\ndescription = a\nthis line is no option\n`,
      dupsection: `[file_a]\nurl = http://h/a\n[file_a]\nurl = http://h/b\n`,
      missing: pkg('a', 'nofile', 'fw') + pkg('b', 'f1.bin', 'noinstall') + CP + fileSection('f1.bin', 'http://h/f1.bin', 10, good),
      cycle: pkg('c', 'f2.bin', 'loop') + '[install_loop]\na-d = cp $FILE1 x/\nb-c = null\nc-b = null\n\n' + fileSection('f2.bin', 'http://h/f2.bin', 10, good),
      useless: pkg('u', 'f3.bin', 'useless') + '[install_useless]\nb-c = null\nc-b = null\n\n' + fileSection('f3.bin', 'http://h/f3.bin', 10, good),
      unknowncmd: pkg('k', 'f4.bin', 'weird') + '[install_weird]\na-b = frobnicate $FILE1\n\n' + fileSection('f4.bin', 'http://h/f4.bin', 10, good),
      unsafe:
        pkg('s', 'f5.bin', 'fw') + CP +
        fileSection('f5.bin', 'http://h/f5.bin', 10, good, 'filename = ../../etc/cron.d/x') +
        fileSection('f6.bin', '', 10, good) +
        '[install_out]\na-b = cp $FILE1 ../../../tmp/\n\n',
      downloader: pkg('d', 'f7.bin', 'fw') + CP + fileSection('f7.bin', 'http://h/f7.bin', 10, good, 'downloader = ftp'),
      forms: pkg('f', 'f8.bin f9.bin f10.bin', 'fw') + CP + fileSection('f8.bin', 'ftp://h/f8.bin', 10, good) + fileSection('f9.bin', 'http://h/f9.bin', 0, good) + fileSection('f10.bin', 'http://h/f10.bin', 10, 'abc123'),
      twins1: pkg('t', 'same.bin', 'fw') + CP + fileSection('same.bin', 'http://h/1/same.bin', 10, sha1('one')),
      twins2: pkg('t', 'same.bin', 'fw') + CP + fileSection('same.bin', 'http://h/2/same.bin', 10, sha1('two')),
    };
    const scope = family('bad', texts);
    const before = scope.models.map((m) => readFileSync(m.pkgsDb));
    const report = await checkFirmware(scope, options({ mode: 'offline' }));
    const lines = report.problems.map(formatProblem);
    const has = (model: string, section: string | null, key: string | null, pattern: RegExp) =>
      expect(
        report.problems.some((p) => p.file === `bad/${model}/pkgs/pkgs.db` && p.section === section && p.key === key && pattern.test(p.message)),
        `${model} [${section}] ${key} ${pattern}\n${lines.join('\n')}`
      ).toBe(true);
    has('parse', null, null, /does not parse as provd reads it: line 3: 'this line is no option' is neither/);
    has('dupsection', 'file_a', null, /does not parse as provd reads it: line 3: section \[file_a\] already exists/);
    expect(lines.join('\n')).not.toContain(tmp());
    has('missing', 'pkg_a', 'files', /no section \[file_nofile\]/);
    has('missing', 'pkg_b', 'install', /no section \[install_noinstall\]/);
    has('cycle', 'install_loop', null, /cycle/);
    has('useless', 'install_useless', null, /doesn't participate/);
    has('unknowncmd', 'install_weird', null, /unknown node type frobnicate/);
    has('unsafe', 'file_f5.bin', 'filename', /'\.\.\/\.\.\/etc\/cron\.d\/x' is a path/);
    has('unsafe', 'file_f6.bin', 'url', /empty url: needs a filename/);
    has('unsafe', 'install_out', 'a-b', /outside the install folder/);
    has('downloader', 'file_f7.bin', 'downloader', /'ftp' is not a valid downloader/);
    has('forms', 'file_f8.bin', 'url', /not http or https/);
    has('forms', 'file_f9.bin', 'size', /not a positive integer/);
    has('forms', 'file_f10.bin', 'sha1sum', /not 40 hex digits/);
    has('twins2', 'file_same.bin', 'sha1sum', /one file name, one file/);
    expect(report.broken).toBe(true);
    expect(scope.models.map((m) => readFileSync(m.pkgsDb))).toEqual(before);
  });
});

describe('links, download and install against a local server', () => {
  let server: FirmwareServer;
  const body = (n: number, c = 'f') => Buffer.alloc(n, c);
  beforeAll(async () => {
    server = await startFirmwareServer({
      '/good.bin': { kind: 'bytes', body: body(1000), etag: '"v1"' },
      '/gone.bin': { kind: 'status', status: 404 },
      '/old.bin': { kind: 'redirect', status: 301, to: '/new/old.bin' },
      '/new/old.bin': { kind: 'bytes', body: body(1000) },
      '/new/good.bin': { kind: 'bytes', body: body(1000) },
      '/perm308.bin': { kind: 'redirect', status: 308, to: '/new/perm308.bin' },
      '/new/perm308.bin': { kind: 'bytes', body: body(1000) },
      '/temp.bin': { kind: 'redirect', status: 302, to: '/new/good.bin' },
      '/resized.bin': { kind: 'bytes', body: body(1200) },
      '/changed.bin': { kind: 'bytes', body: body(1000, 'g'), etag: '"v2"' },
      '/nohead.bin': { kind: 'bytes', body: body(1000), headRefused: true },
      '/slow.bin': { kind: 'silent' },
      '/garbage.bin': { kind: 'garbage' },
      '/broken.bin': { kind: 'status', status: 503 },
      '/notzip.zip': { kind: 'bytes', body: Buffer.from('<html>Please log in</html>\n') },
    });
  });
  afterAll(() => server.close());

  const good = sha1(body(1000));
  const links = () => {
    const u = server.url;
    return family('links', {
      m1:
        pkg('ok', 'good.bin', 'fw') + pkg('gone', 'gone.bin') + pkg('moved', 'old.bin') + pkg('p308', 'perm308.bin') + pkg('temp', 'temp.bin') +
        pkg('resized', 'resized.bin') + pkg('nohead', 'nohead.bin') + pkg('manual', 'manual.bin') + CP +
        fileSection('good.bin', `${u}/good.bin`, 1000, good) +
        fileSection('gone.bin', `${u}/gone.bin`, 1000, good) +
        fileSection('old.bin', `${u}/old.bin`, 1000, good) +
        fileSection('perm308.bin', `${u}/perm308.bin`, 1000, good) +
        fileSection('temp.bin', `${u}/temp.bin`, 1000, good) +
        fileSection('resized.bin', `${u}/resized.bin`, 1000, good) +
        fileSection('nohead.bin', `${u}/nohead.bin`, 1000, good) +
        fileSection('manual.bin', '', 1000, good, 'filename = manual.bin'),
      // the same URL in another model: checked once
      m2: pkg('ok', 'good.bin') + CP + fileSection('good.bin', `${u}/good.bin`, 1000, good),
    });
  };

  it('report good, gone, moved (301, 308 with the line to change), temporary (302), size, HEAD refused, supplied by hand; each URL once', async () => {
    server.hits.clear();
    const report = await checkFirmware(links(), options());
    expect(row(report, 'good.bin').status).toBe('ok');
    expect(row(report, 'gone.bin').status).toBe('gone');
    expect(row(report, 'old.bin').status).toBe('moved');
    expect(row(report, 'old.bin').change).toBe(`links/m1/pkgs/pkgs.db:${lineOf(report, 'old.bin')}: url = ${server.url}/new/old.bin`);
    expect(row(report, 'perm308.bin').status).toBe('moved');
    expect(row(report, 'temp.bin').status).toBe('ok');
    expect(row(report, 'temp.bin').detail).toMatch(/302, temporary/);
    expect(row(report, 'resized.bin').status).toBe('size changed');
    expect(row(report, 'resized.bin').change).toMatch(/server says 1200 bytes, size is 1000/);
    expect(row(report, 'nohead.bin').status).toBe('ok');
    expect(server.hits.get('GET /nohead.bin')).toBe(1); // the 1-byte ranged GET
    expect(row(report, 'manual.bin').status).toBe('supplied by hand');
    expect(report.broken).toBe(true);
    expect(server.hits.get('HEAD /good.bin')).toBe(1); // two models, one request
    expect(report.urls.distinct).toBe(7);
    const text = formatReport(report, 'links');
    expect(text).toMatch(/model +package +file +host +status +what to change/);
  });

  function lineOf(report: FirmwareReport, file: string): number {
    const r = row(report, file);
    const lines = readFileSync(tmp(r.pkgsDb), 'utf8').split('\n');
    return lines.findIndex((l, i) => l === `url = ${r.url}` && lines.slice(0, i).reverse().find((x) => x.startsWith('['))?.includes(file)) + 1;
  }

  it('reuse the result cache across tasks and runs: two concurrent checks and a later one fetch each URL once', async () => {
    server.hits.clear();
    const cacheDir = tmp('shared-cache');
    const scope = links();
    const [a, b] = await Promise.all([checkFirmware(scope, options({ cacheDir })), checkFirmware(scope, options({ cacheDir }))]);
    expect(a.rows).toEqual(b.rows);
    expect(server.hits.get('HEAD /good.bin')).toBe(1);
    expect(server.hits.get('HEAD /gone.bin')).toBe(1);
    const again = await checkFirmware(scope, options({ cacheDir }));
    expect(again.urls.fetched).toBe(0);
    expect(again.urls.fromCache).toBe(7);
    expect(server.hits.get('HEAD /good.bin')).toBe(1);
    // maxAge 0: checked again
    await checkFirmware(scope, options({ cacheDir, maxAgeSeconds: 0 }));
    expect(server.hits.get('HEAD /good.bin')).toBe(2);
  });

  it('report time-outs, garbage, 5xx after retries with back-off, refused connections, TLS and DNS errors', async () => {
    server.hits.clear();
    const u = server.url;
    const port = new URL(u).port;
    const scope = family('errors', {
      m:
        pkg('a', 'slow.bin') + pkg('b', 'garbage.bin') + pkg('c', 'broken.bin') + pkg('d', 'refused.bin') + pkg('e', 'tls.bin') + pkg('f', 'dns.bin') + CP +
        fileSection('slow.bin', `${u}/slow.bin`, 10, good) +
        fileSection('garbage.bin', `${u}/garbage.bin`, 10, good) +
        fileSection('broken.bin', `${u}/broken.bin`, 10, good) +
        fileSection('refused.bin', `http://127.0.0.1:9/refused.bin`, 10, good) +
        fileSection('tls.bin', `https://127.0.0.1:${port}/tls.bin`, 10, good) +
        fileSection('dns.bin', `http://firmware.invalid/dns.bin`, 10, good),
    });
    const before = readFileSync(scope.models[0].pkgsDb);
    const report = await checkFirmware(scope, options({ timeoutSeconds: 1, retries: 2, backoffMs: 20 }));
    expect(row(report, 'slow.bin').status).toBe('timeout');
    expect(server.hits.get('HEAD /slow.bin')).toBe(3);
    expect(row(report, 'garbage.bin').status).toBe('bad response');
    expect(row(report, 'broken.bin').status).toBe('server error');
    expect(row(report, 'broken.bin').detail).toMatch(/503 \(after 3 tries\)/);
    expect(server.hits.get('HEAD /broken.bin')).toBe(3);
    expect(row(report, 'refused.bin').status).toBe('connection');
    expect(row(report, 'tls.bin').status).toBe('tls');
    expect(row(report, 'dns.bin').status).toBe('dns');
    const text = formatReport(report, 'errors');
    for (const f of ['slow.bin', 'garbage.bin', 'broken.bin', 'refused.bin', 'tls.bin', 'dns.bin']) expect(text).toContain(`errors/m/pkgs/pkgs.db [file_${f}] (errors-m): `);
    expect(readFileSync(scope.models[0].pkgsDb)).toEqual(before);
  });

  it('--fix rewrites the url: line of a permanent redirect and nothing else; --dry-run writes nothing', async () => {
    const scope = links();
    const file = scope.models[0].pkgsDb;
    const before = readFileSync(file, 'utf8');
    const dry = await checkFirmware(scope, options({ fix: true, dryRun: true }));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(dry.fixes.map((f) => f.written)).toEqual([false, false]);
    expect(formatReport(dry, 'x')).toContain(`would rewrite (dry run) links/m1/pkgs/pkgs.db:`);
    const fixed = await checkFirmware(scope, options({ fix: true }));
    expect(fixed.fixes.map((f) => f.written)).toEqual([true, true]);
    const after = readFileSync(file, 'utf8');
    const changed = before.split('\n').map((l, i) => [l, after.split('\n')[i]]).filter(([a, b]) => a !== b);
    expect(changed).toEqual([
      [`url = ${server.url}/old.bin`, `url = ${server.url}/new/old.bin`],
      [`url = ${server.url}/perm308.bin`, `url = ${server.url}/new/perm308.bin`],
    ]);
    const again = await checkFirmware(scope, options());
    expect(row(again, 'old.bin').status).toBe('ok');
  });

  it('--fix refuses, writing nothing, a rewrite fetchfw would not read as the same pkgs.db (two files saved under one name)', async () => {
    const u = server.url;
    // old.bin now lives at .../good.bin: fetchfw would save both files as good.bin
    server.routes.set('/clash.bin', { kind: 'redirect', status: 301, to: '/new/good.bin' });
    const scope = family('clash', { m: pkg('a', 'good.bin') + pkg('b', 'clash.bin') + CP + fileSection('good.bin', `${u}/good.bin`, 1000, good) + fileSection('clash.bin', `${u}/clash.bin`, 1000, good) });
    const before = readFileSync(scope.models[0].pkgsDb, 'utf8');
    const report = await checkFirmware(scope, options({ fix: true }));
    expect(readFileSync(scope.models[0].pkgsDb, 'utf8')).toBe(before);
    expect(report.fixes[0].refused).toMatch(/two remote files use the same path.*not written, change it by hand/);
    expect(row(report, 'clash.bin').change).toMatch(/--fix refused/);
    expect(report.broken).toBe(true);
  });

  it('--download checks size and SHA-1, and does not fetch an unchanged file (same ETag, same size) again', async () => {
    server.hits.clear();
    const u = server.url;
    const scope = family('dl', {
      m:
        pkg('a', 'good.bin') + pkg('b', 'changed.bin') + CP +
        fileSection('good.bin', `${u}/good.bin`, 1000, good) +
        fileSection('changed.bin', `${u}/changed.bin`, 1000, good),
    });
    const cacheDir = tmp('dl-cache');
    const report = await checkFirmware(scope, options({ mode: 'download', cacheDir }));
    expect(row(report, 'good.bin').status).toBe('ok');
    expect(row(report, 'changed.bin').status).toBe('checksum changed');
    expect(row(report, 'changed.bin').change).toBe(`size 1000 -> 1000, sha1sum ${good} -> ${sha1(body(1000, 'g'))}: a new file needs a new entry and plugin version`);
    expect(server.hits.get('GET /good.bin')).toBe(1);
    // the next night: links checked again, unchanged files not fetched
    const next = await checkFirmware(scope, options({ mode: 'download', cacheDir, maxAgeSeconds: 0 }));
    expect(next.rows.map((r) => r.status)).toEqual(['ok', 'checksum changed']);
    expect(server.hits.get('GET /good.bin')).toBe(1);
    expect(server.hits.get('HEAD /good.bin')).toBe(2);
    // the vendor replaces the file: new ETag, fetched again
    server.routes.set('/good.bin', { kind: 'bytes', body: body(1000, 'h'), etag: '"v3"' });
    const replaced = await checkFirmware(scope, options({ mode: 'download', cacheDir, maxAgeSeconds: 0 }));
    expect(server.hits.get('GET /good.bin')).toBe(2);
    expect(row(replaced, 'good.bin').status).toBe('checksum changed');
    server.routes.set('/good.bin', { kind: 'bytes', body: body(1000), etag: '"v1"' });
  });

  it('--install reports the step of a "zip" that is not a zip', async () => {
    const notzip = Buffer.from('<html>Please log in</html>\n');
    const scope = family('inst', {
      m:
        pkg('lang', 'notzip.zip', 'lang') +
        '[install_lang]\na-b = unzip $FILE1\nb-c = cp */*.xml lang/\n\n' +
        fileSection('notzip.zip', `${server.url}/notzip.zip`, notzip.length, sha1(notzip)),
    });
    const report = await checkFirmware(scope, options({ mode: 'install' }));
    expect(row(report, 'notzip.zip').status).toBe('install failed');
    expect(row(report, 'notzip.zip').detail).toBe('step a-b (unzip $FILE1) failed: BadZipFile: File is not a zip file');
    expect(row(report, 'notzip.zip').change).toBe('fix [install_lang] in inst/m/pkgs/pkgs.db');
  });
});

describe('--install through xivo-fetchfw: zip, tar and 7z steps', () => {
  let server: FirmwareServer;
  const files: Record<string, Buffer> = {};
  beforeAll(async () => {
    const src = tmp('archives', 'src');
    mkdirSync(join(src, 'fw'), { recursive: true });
    writeFileSync(join(src, 'fw', 'phone-1.2.bin'), 'firmware 1.2\n');
    writeFileSync(join(src, 'fw', 'README'), 'not installed\n');
    execFileSync('tar', ['-czf', tmp('archives', 'fw.tar.gz'), '-C', src, 'fw']);
    execFileSync('7zr', ['a', '-bd', tmp('archives', 'fw.7z'), 'fw'], { cwd: src, stdio: 'ignore' });
    execFileSync('python3', ['-c', 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], "fw")', tmp('archives', 'fw'), src]);
    for (const n of ['fw.tar.gz', 'fw.7z', 'fw.zip']) files[n] = readFileSync(tmp('archives', n));
    server = await startFirmwareServer(Object.fromEntries(Object.entries(files).map(([n, b]) => [`/${n}`, { kind: 'bytes' as const, body: b }])));
  });
  afterAll(() => server.close());

  it('installs what each recipe selects, as provd would', async () => {
    const f = (n: string) => fileSection(n, `${server.url}/${n}`, files[n].length, sha1(files[n]));
    const scope = family('arch', {
      m:
        pkg('tar', 'fw.tar.gz', 'tar') + pkg('zip', 'fw.zip', 'zip') + pkg('sevenz', 'fw.7z', 'sevenz') +
        '[install_tar]\na-b = untar $FILE1\nb-c = cp fw/*.bin firmware/tar/\n\n' +
        '[install_zip]\na-b = unzip $FILE1\nb-c = cp fw/*.bin firmware/zip/\n\n' +
        // 7zr e flattens folders, as fetchfw says
        '[install_sevenz]\na-b = 7z $FILE1\nb-c = cp *.bin firmware/7z/\n\n' +
        f('fw.tar.gz') + f('fw.zip') + f('fw.7z'),
    });
    const report = await checkFirmware(scope, options({ mode: 'install' }));
    expect(report.rows.map((r) => [r.package, r.status, r.detail])).toEqual([
      ['tar', 'ok', 'installs 1 file(s)'],
      ['zip', 'ok', 'installs 1 file(s)'],
      ['sevenz', 'ok', 'installs 1 file(s)'],
    ]);
    expect(report.broken).toBe(false);
  });

  it('installs the sample Snom language zip from the sample pkgs.db, its URLs mirrored to the local server', async () => {
    const zip = readFileSync(join(__dirname, 'firmware', 'snomlang-8.7.3.zip'));
    const local = await startFirmwareServer({ '/snom/snomlang-8.7.3.zip': { kind: 'bytes', body: zip } });
    try {
      const db = join(REPO_ROOT, 'plugins', 'xivo-snom', '8.7.3', 'pkgs', 'pkgs.db');
      const report = await checkFirmware(
        { models: [{ model: 'xivo-snom-8.7.3', family: 'xivo-snom', pkgsDb: db }], families: new Map([['xivo-snom', [db]]]) },
        options({ root: REPO_ROOT, mode: 'install', mirrors: [['https://firmware.example.com/', `${local.url}/`]] })
      );
      const lang = report.rows.find((r) => r.package === 'snom-lang-8.7.3')!;
      expect(lang.status).toBe('ok');
      expect(lang.detail).toBe('installs 4 file(s)');
      // the others are not served here: gone, and named by their real URL
      expect(report.rows.find((r) => r.file === 'snom710-8.7.3-SIP-r.bin')!.status).toBe('gone');
      expect(report.rows.find((r) => r.file === 'snom710-8.7.3-SIP-r.bin')!.url).toBe('https://firmware.example.com/snom/snom710-8.7.3-SIP-r.bin');
    } finally {
      await local.close();
    }
  });
});

describe('the sample families', () => {
  it('check clean in every mode against a server holding their files', async () => {
    const routes: Record<string, any> = {};
    const dbs: string[] = [];
    for (const fam of ['xivo-cisco-spa', 'xivo-snom']) {
      for (const model of readdirSync(join(REPO_ROOT, 'plugins', fam))) {
        const db = join(REPO_ROOT, 'plugins', fam, model, 'pkgs', 'pkgs.db');
        if (!existsSync(db)) continue;
        dbs.push(db);
        for (const m of readFileSync(db, 'utf8').matchAll(/^url = https:\/\/firmware\.example\.com(\/\S+)\nsize = (\d+)/gm)) {
          const name = m[1].split('/').pop()!;
          const fixture = join(__dirname, 'firmware', name);
          routes[m[1]] = existsSync(fixture) ? { kind: 'bytes', body: readFileSync(fixture), etag: '"1"' } : { kind: 'generated', seed: name, size: Number(m[2]), etag: '"1"' };
        }
      }
    }
    // the generator is what the sample SHA-1s were made from
    const first = Object.values(routes).find((r) => r.kind === 'generated');
    expect(readFileSync(dbs.find((d) => readFileSync(d, 'utf8').includes(first.seed))!, 'utf8')).toContain(await generatedSha1(first.seed, first.size));
    const local = await startFirmwareServer(routes);
    try {
      const scope: FirmwareScope = {
        models: dbs.map((d) => ({ model: d.split('/').slice(-3)[0], family: d.split('/').slice(-4)[0], pkgsDb: d })),
        families: new Map(),
      };
      const report = await checkFirmware(scope, options({ root: REPO_ROOT, mode: 'install', mirrors: [['https://firmware.example.com/', `${local.url}/`]] }));
      expect(report.problems).toEqual([]);
      expect(report.rows.filter((r) => r.status !== 'ok')).toEqual([]);
      expect(report.rows.length).toBeGreaterThan(20);
      expect(report.broken).toBe(false);
    } finally {
      await local.close();
    }
  });
});
