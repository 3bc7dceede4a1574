/**
 * check-firmware benchmark on a collection shaped like the largest public one (issue 23):
 * 109 pkgs.db, 677 packages, 669 file entries, 578 distinct URLs on 25 hosts (one holding
 * a third), 54 empty URLs (supplied by hand), 37 files listed by a second model of the family.
 * The 25 hosts are servers on loopback addresses 127.0.0.1-25, generating files on the fly.
 *
 *   npm run bench:firmware                 # the full shape; --download on 1.5 GB (one 985 MB file)
 *   npm run bench:firmware -- --small      # a small collection (the spec runs this)
 *
 * Cases: links mode cold (fresh result cache), links mode with the result cache, --download
 * against curl on the same files in the same run (same concurrency, output discarded), and
 * the peak RSS of every measured process. Times include node's start and the offline checks
 * (one python3 reading every pkgs.db with xivo-fetchfw).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFirmwareServer, type FirmwareServer, type Route } from '../packages/provd-nx/test/firmware-server';
import { sharedFile } from '../packages/provd-nx/test/provd-consumer';
import { machine, table } from './bench-lib';

const small = process.argv.includes('--small');
const SHAPE = small
  ? { dbs: 12, hosts: 5, urls: 40, manual: 4, shared: 6, extraPkgs: 2, downloadFiles: [2, 1, 1, 1], bigMiB: 20 }
  : { dbs: 109, hosts: 25, urls: 578, manual: 54, shared: 37, extraPkgs: 8, downloadFiles: [40, 30, 20, 10, 10, 5, 5], bigMiB: 985 };
const ROOT = resolve(__dirname, '..');
const PYTHONPATH = process.env.PROVD_PYTHONPATH || sharedFile('provd', 'pythonpath') || resolve(ROOT, '..', 'shared', 'provd', 'pythonpath');
const RUNNER = join(__dirname, 'bench-firmware-run.js');
const tmp = mkdtempSync(join(tmpdir(), 'provd-bench-firmware-'));

const hash = (s: string) => createHash('sha1').update(s).digest('hex');

interface Measured {
  seconds: number;
  maxRssMiB: number;
  rows?: number;
  counts?: Record<string, number>;
  urls?: { distinct: number; fetched: number; fromCache: number };
}

/** A child process, waited for without blocking the servers of this process; its peak RSS from getrusage. */
function measured(cmd: string, args: string[]): Promise<Measured & { out: string }> {
  const probe =
    'import resource,subprocess,sys,time,json\n' +
    't=time.monotonic(); r=subprocess.run(sys.argv[1:], capture_output=True, text=True)\n' +
    'd=time.monotonic()-t\n' +
    'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'print(json.dumps({"code":r.returncode,"seconds":d,"maxrss":u.ru_maxrss,"out":r.stdout,"err":r.stderr}))';
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', ['-c', probe, cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('close', () => {
      const res = JSON.parse(out);
      if (res.code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} failed:\n${res.out}${res.err}`));
      resolvePromise({ seconds: res.seconds, maxRssMiB: res.maxrss / 1024, out: res.out });
    });
  });
}

async function check(mode: string, models: object[], families: Record<string, string[]>, cacheDir: string): Promise<Measured> {
  const file = join(tmp, `req-${mode}-${Math.random().toString(36).slice(2)}.json`);
  const options = {
    root: tmp, mode, cacheDir, maxAgeSeconds: 3600, timeoutSeconds: 30, retries: 2, backoffMs: 500,
    concurrency: 16, perHost: 4, mirrors: [], pythonPath: PYTHONPATH, fix: false, dryRun: false, maxBytes: 2 ** 33,
  };
  writeFileSync(file, JSON.stringify({ models, families, options }));
  const m = await measured(process.execPath, [RUNNER, file]);
  const inner = JSON.parse(m.out.trim().split('\n').pop()!);
  return { ...inner, seconds: m.seconds, maxRssMiB: m.maxRssMiB };
}

async function main(): Promise<void> {
  // 25 hosts on loopback addresses
  const servers: FirmwareServer[] = [];
  for (let h = 1; h <= SHAPE.hosts; h++) servers.push(await startFirmwareServer({}, `127.0.0.${h}`));
  // URLs: host 0 holds a third, the rest spread evenly
  const urls: { url: string; name: string; size: number; server: FirmwareServer }[] = [];
  for (let i = 0; i < SHAPE.urls; i++) {
    const host = i < Math.round(SHAPE.urls / 3) ? 0 : 1 + ((i - Math.round(SHAPE.urls / 3)) % (SHAPE.hosts - 1));
    const name = `fw-${i}.bin`;
    const size = 100_000 + (parseInt(hash(name).slice(0, 8), 16) % 40_000_000);
    const server = servers[host];
    const path = `/vendor${host}/firmware/${name}`;
    server.routes.set(path, { kind: 'generated', seed: name, size, etag: `"${hash(name).slice(0, 8)}"` } satisfies Route);
    urls.push({ url: `${server.url}${path}`, name, size, server });
  }
  // pkgs.db files: families of ~9 models; each URL in one model, some in a second model of the family; empty URLs too.
  // SHA-1s are not computed (links mode does not need them; the download set's are)
  const models: { model: string; family: string; pkgsDb: string }[] = [];
  const families: Record<string, string[]> = {};
  const texts: string[][] = Array.from({ length: SHAPE.dbs }, () => []);
  const fileSection = (name: string, url: string, size: number, sha1: string) => `[file_${name}]\nurl = ${url}\nsize = ${size}\nsha1sum = ${sha1}\n\n`;
  const pkgSection = (id: string, file: string) => `[pkg_${id}]\ndescription = ${id}\nversion = 1.0\nfiles = ${file}\ninstall = fw\n\n`;
  urls.forEach((u, i) => {
    const db = i % SHAPE.dbs;
    texts[db].push(pkgSection(`p${i}`, u.name) + fileSection(u.name, u.url, u.size, hash(`sha-${u.name}`)));
    if (i < SHAPE.shared) {
      // the same file in the next model of the family
      const twin = db + 1 < SHAPE.dbs && Math.floor((db + 1) / 9) === Math.floor(db / 9) ? db + 1 : db - 1;
      texts[twin].push(pkgSection(`p${i}-again`, u.name) + fileSection(u.name, u.url, u.size, hash(`sha-${u.name}`)));
    }
  });
  // a few packages sharing a file with another package of their model
  for (let i = 0; i < SHAPE.extraPkgs; i++) texts[i % SHAPE.dbs].push(pkgSection(`extra${i}`, urls[i].name));
  for (let i = 0; i < SHAPE.manual; i++) {
    texts[i % SHAPE.dbs].push(pkgSection(`manual${i}`, `login-${i}.zip`) + `[file_login-${i}.zip]\nfilename = login-${i}.zip\nurl =\nsize = 1000\nsha1sum = ${hash(`m${i}`)}\n\n`);
  }
  texts.forEach((sections, db) => {
    const family = `fam${Math.floor(db / 9)}`;
    const file = join(tmp, 'plugins', family, `m${db}`, 'pkgs', 'pkgs.db');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `[install_fw]\na-b = cp $FILE1 firmware/\n\n${sections.join('')}`);
    models.push({ model: `${family}-m${db}`, family, pkgsDb: file });
    (families[family] ??= []).push(file);
  });
  const pkgCount = texts.reduce((n, t) => n + t.length, 0);
  const fileCount = pkgCount - SHAPE.extraPkgs;

  // warm the compile cache (not measured)
  await check('offline', models.slice(0, 1), { [models[0].family]: [models[0].pkgsDb] }, join(tmp, 'warm'));

  const rows: Record<string, string | number>[] = [];
  const cache = join(tmp, 'cache-links');
  const cold = await check('links', models, families, cache);
  rows.push({ case: 'links mode, cold (fresh result cache)', seconds: cold.seconds, 'peak MiB': cold.maxRssMiB, notes: `${cold.urls!.fetched} URLs checked, ${cold.rows} rows` });
  const warm = await check('links', models, families, cache);
  rows.push({ case: 'links mode, with the result cache', seconds: warm.seconds, 'peak MiB': warm.maxRssMiB, notes: `${warm.urls!.fromCache} from the cache, ${warm.urls!.fetched} checked` });

  // --download on a set of files in one family, one of them very large, against curl
  const dlFiles: { url: string; name: string; size: number; sha1: string }[] = [];
  const big = servers[0];
  const sizes = [...SHAPE.downloadFiles.map((mib) => mib * 2 ** 20), SHAPE.bigMiB * 2 ** 20];
  for (const [i, size] of sizes.entries()) {
    const name = `dl-${i}.bin`;
    big.routes.set(`/dl/${name}`, { kind: 'generated', seed: name, size, etag: `"dl${i}"` });
    const sha1 = createHash('sha1');
    for await (const chunk of (await import('../packages/provd-nx/test/firmware-server')).generatedStream(name, size)) sha1.update(chunk);
    dlFiles.push({ url: `${big.url}/dl/${name}`, name, size, sha1: sha1.digest('hex') });
  }
  const dlDb = join(tmp, 'plugins', 'dl', 'all', 'pkgs', 'pkgs.db');
  mkdirSync(join(dlDb, '..'), { recursive: true });
  writeFileSync(dlDb, `[install_fw]\na-b = cp $FILE1 firmware/\n\n${dlFiles.map((f) => pkgSection(f.name, f.name) + fileSection(f.name, f.url, f.size, f.sha1)).join('')}`);
  const totalMiB = sizes.reduce((a, b) => a + b, 0) / 2 ** 20;
  const curlArgs = ['-s', '--fail', '--parallel', '--parallel-max', '4', ...dlFiles.flatMap((f) => ['-o', '/dev/null', f.url])];
  const curl = await measured('curl', curlArgs);
  const dl = await check('download', [{ model: 'dl-all', family: 'dl', pkgsDb: dlDb }], { dl: [dlDb] }, join(tmp, 'cache-dl'));
  if (dl.counts?.ok !== dlFiles.length) throw new Error(`--download: ${JSON.stringify(dl.counts)}`);
  const curl2 = await measured('curl', curlArgs);
  const curlSeconds = Math.min(curl.seconds, curl2.seconds);
  // the same job as --download: each file fetched and its SHA-1 computed, 4 at a time
  const curlSha = await measured('sh', ['-c', `printf '%s\\n' ${dlFiles.map((f) => f.url).join(' ')} | xargs -P 4 -I{} sh -c 'curl -s --fail {} | sha1sum' >/dev/null`]);
  rows.push({ case: `curl, same ${dlFiles.length} files (${totalMiB.toFixed(0)} MiB), 4 at a time, to /dev/null (best of 2)`, seconds: curlSeconds, 'peak MiB': Math.max(curl.maxRssMiB, curl2.maxRssMiB), notes: `${(totalMiB / curlSeconds).toFixed(0)} MiB/s` });
  rows.push({ case: `curl piped to sha1sum, same files, 4 at a time (the same job)`, seconds: curlSha.seconds, 'peak MiB': curlSha.maxRssMiB, notes: `${(totalMiB / curlSha.seconds).toFixed(0)} MiB/s` });
  rows.push({ case: `--download, same files (streamed, SHA-1 checked), 4 per host`, seconds: dl.seconds, 'peak MiB': dl.maxRssMiB, notes: `${(totalMiB / dl.seconds).toFixed(0)} MiB/s = ${((100 * curlSeconds) / dl.seconds).toFixed(0)}% of curl, ${((100 * curlSha.seconds) / dl.seconds).toFixed(0)}% of curl piped to sha1sum` });
  const again = await check('download', [{ model: 'dl-all', family: 'dl', pkgsDb: dlDb }], { dl: [dlDb] }, join(tmp, 'cache-dl'));
  rows.push({ case: '--download again, files unchanged (ETag, size)', seconds: again.seconds, 'peak MiB': again.maxRssMiB, notes: 'HEAD only' });

  console.log(`\ncheck-firmware benchmark: ${SHAPE.dbs} pkgs.db, ${pkgCount} packages, ${fileCount} file entries, ${SHAPE.urls} distinct URLs on ${SHAPE.hosts} loopback hosts, ${SHAPE.manual} supplied by hand`);
  console.log(`machine: ${machine()}\n`);
  console.log(table(rows));
  const peak = Math.max(cold.maxRssMiB, warm.maxRssMiB, dl.maxRssMiB, again.maxRssMiB);
  const goals: [string, number, boolean][] = [
    ['links mode cold <= 5 s', cold.seconds, cold.seconds <= 5],
    ['links mode with the result cache <= 1 s', warm.seconds, warm.seconds <= 1],
    ['--download >= 80% of curl', (100 * curlSeconds) / dl.seconds, curlSeconds / dl.seconds >= 0.8],
    ['--download >= 80% of curl piped to sha1sum', (100 * curlSha.seconds) / dl.seconds, curlSha.seconds / dl.seconds >= 0.8],
    ['peak memory of any process <= 100 MiB', peak, peak <= 100],
  ];
  console.log('');
  for (const [goal, value, met] of goals) console.log(`${met ? 'met   ' : 'MISSED'} ${goal}: ${value.toFixed(2)}`);
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
