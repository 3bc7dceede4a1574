/**
 * Load test of the repository server against Debian's nginx, in the same run (loopback only):
 *  - downloads: wrk (1 thread, keep-alive) fetching plugins.db (~5 KB) and a ~150 KiB package at
 *    10, 50 and 200 connections, provd-repo and nginx serving the same folder, runs in ABAB order
 *    (provd-repo, nginx, provd-repo, nginx) so that a change in the machine's load hits both;
 *  - uploads: 16 concurrent uploaders publishing distinct packages to testing (0 may be lost).
 * provd-repo runs as its CLI (`serve --workers auto`, its request log to a file); nginx as Debian
 * configures it (sendfile, access log on) in a temp prefix. Prints the table and writes
 * tools/load-repo.md. Goal: provd-repo >= 0.5x nginx's requests/s, p99 <= 3x nginx's.
 *
 *   npm run bench:repo [-- --seconds 10 --connections 10,50,200 --workers auto --uploads 64]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlugin, tempDir } from '../packages/provd-repo/test/fixture';
import { freePort, nginxVersion, startNginx } from '../packages/provd-repo/test/nginx';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10,50,200' },
    workers: { type: 'string', default: 'auto' },
    plugins: { type: 'string', default: '20' },
    'package-kb': { type: 'string', default: '150' },
    uploaders: { type: 'string', default: '16' },
    uploads: { type: 'string', default: '64' },
    out: { type: 'string', default: path.join(__dirname, 'load-repo.md') },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = args.connections!.split(',').map(Number);
const PLUGINS = Number(args.plugins);
const PACKAGE_BYTES = Number(args['package-kb']) * 1024;
const UPLOADERS = Number(args.uploaders);
const UPLOADS = Number(args.uploads);
const TOKEN = `load-test-${process.pid}-token-0123456789`;
const REPO_BIN = path.join(__dirname, '../packages/provd-repo/bin/provd-repo.js');
const WRK = process.env.WRK ?? '/usr/bin/wrk';

export interface WrkRun {
  requests: number;
  rps: number;
  p99: number;
  errors: number;
}

/** Requests/s, p99 (ms) and errors from `wrk --latency` output. */
export function parseWrk(out: string): WrkRun {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p99: p99 ? ms(p99[1], p99[2]) : NaN,
    errors: (num(/Non-2xx or 3xx responses: (\d+)/) || 0) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

function wrk(url: string, connections: number, seconds: number): Promise<WrkRun> {
  return new Promise((resolve, reject) => {
    const c = spawn(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d));
    c.stderr!.on('data', (d: Buffer) => (out += d));
    c.on('error', reject);
    c.on('exit', (code) => {
      const run = parseWrk(out);
      if (code !== 0 || Number.isNaN(run.rps)) reject(new Error(`wrk ${url} exited ${code}:\n${out}`));
      else resolve(run);
    });
  });
}

async function waitFor(url: string, child: ChildProcess, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}: no answer within ${deadlineMs} ms`);
}

/** Resident memory of a process and its children, from /proc (Linux): now and peak. */
function memMiB(pid: number): { rss: number; peak: number } {
  const pids = [pid];
  try {
    for (const t of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) pids.push(Number(t));
  } catch {
    // no children file
  }
  let rss = 0;
  let peak = 0;
  for (const p of pids) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    peak += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  }
  return { rss: rss / 1024, peak: peak / 1024 };
}

function request(agent: http.Agent, url: URL, method = 'GET', body?: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers: body ? { ...headers, 'content-length': body.length } : headers }, (res) => {
      res.on('data', () => undefined).on('end', () => resolve(res.statusCode ?? 0)).on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject).end(body);
  });
}

/** `workers` loops sharing `total` jobs; each takes the next. */
async function drive(workers: number, total: number, job: (i: number) => Promise<number>, ok: (status: number) => boolean) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        try {
          if (!ok(await job(i))) errors++;
        } catch {
          errors++;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { requests: latencies.length, errors, seconds: Number(process.hrtime.bigint() - start) / 1e9, p50: at(0.5), p99: at(0.99) };
}

interface Row {
  file: string;
  connections: number;
  repo: WrkRun[];
  nginx: WrkRun[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function downloadTable(rows: Row[]): string {
  const head = ['file', 'connections', 'provd-repo req/s', 'nginx req/s', 'ratio', 'p99 provd / nginx (ms)', 'goal (>= 0.5x, p99 <= 3x)'];
  const cells = rows.map((r) => {
    const repo = mean(r.repo.map((x) => x.rps));
    const ng = mean(r.nginx.map((x) => x.rps));
    const p99r = mean(r.repo.map((x) => x.p99));
    const p99n = mean(r.nginx.map((x) => x.p99));
    const met = repo >= 0.5 * ng && p99r <= 3 * p99n;
    return [r.file, String(r.connections), repo.toFixed(0), ng.toFixed(0), (repo / ng).toFixed(2), `${p99r.toFixed(1)} / ${p99n.toFixed(1)}`, met ? 'met' : 'missed'];
  });
  return markdown(head, cells);
}

function markdown(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (os.platform() !== 'linux') throw new Error('the load test reads /proc: Linux only');
  for (const tool of [WRK, '/usr/sbin/nginx']) if (spawnSync(tool, ['-v']).error) throw new Error(`${tool} is missing: install Debian's wrk and nginx`);
  const root = await tempDir('provd-repo-load-');
  const work = await tempDir('provd-repo-load-pkgs-');
  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  const loadBefore = loadavg();
  try {
    await fsp.chmod(root, 0o755);
    console.log(`building ${PLUGINS} packages of ~${PACKAGE_BYTES >> 10} KiB and ${UPLOADS} to upload...`);
    const seeded: string[] = [];
    for (let i = 0; i < PLUGINS; i += 4) {
      seeded.push(...(await Promise.all(Array.from({ length: Math.min(4, PLUGINS - i) }, (_, j) => buildPlugin(work, { id: `load-a${i + j}-1.0`, version: '1.0.0', firmwareBytes: PACKAGE_BYTES - 1536 })))));
    }
    const uploads: string[] = [];
    for (let i = 0; i < UPLOADS; i += 8) {
      uploads.push(...(await Promise.all(Array.from({ length: Math.min(8, UPLOADS - i) }, (_, j) => buildPlugin(work, { id: `load-u${i + j}-1.0`, version: '1.0.0', firmwareBytes: 4096 })))));
    }

    // provd-repo, the real CLI in its own processes, its request log to a file
    const port = await freePort();
    const log = await fsp.open(path.join(work, 'provd-repo.log'), 'w');
    const repo = spawn(process.execPath, [REPO_BIN, 'serve', '--root', root, '--port', String(port), '--workers', args.workers!], {
      stdio: ['ignore', log.fd, 'inherit'],
      env: { ...process.env, PROVD_REPO_TOKENS: `${TOKEN} *` },
    });
    children.push(repo);
    const repoBase = `http://127.0.0.1:${port}/plugins/2/testing/`;
    await waitFor(`http://127.0.0.1:${port}/plugins/2/`, repo);
    const idle = memMiB(repo.pid!);

    const agent = new http.Agent({ keepAlive: true, maxSockets: UPLOADERS });
    const put = (file: string) =>
      request(agent, new URL(path.basename(file), repoBase), 'PUT', readFileSync(file), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' });
    for (const f of seeded) if ((await put(f)) !== 201) throw new Error(`seeding ${f} failed`);
    const pkgName = path.basename(seeded[0]);
    const sizes = { db: (await fsp.stat(path.join(root, 'testing', 'plugins.db'))).size, pkg: (await fsp.stat(seeded[0])).size };

    // nginx from the same folder, as Debian configures it
    const nginxPort = await freePort();
    const nginx = await startNginx(path.join(work, 'nginx'), `server {\n  listen 127.0.0.1:${nginxPort};\n  location /plugins/2/ { alias ${root}/; }\n}\n`, `http://127.0.0.1:${nginxPort}/plugins/2/testing/plugins.db`);
    children.push(nginx.child);
    stops.push(nginx.stop);
    const nginxBase = `http://127.0.0.1:${nginxPort}/plugins/2/testing/`;

    const files = [
      { label: `plugins.db (${(sizes.db / 1024).toFixed(1)} KB)`, name: 'plugins.db' },
      { label: `package (${(sizes.pkg / 1024).toFixed(0)} KiB)`, name: pkgName },
    ];
    const rows: Row[] = [];
    for (const f of files) {
      // warm both (JIT, caches), not measured
      await wrk(repoBase + f.name, 10, 2);
      await wrk(nginxBase + f.name, 10, 2);
      for (const c of CONNECTIONS) {
        const row: Row = { file: f.label, connections: c, repo: [], nginx: [] };
        for (let round = 0; round < 2; round++) {
          row.repo.push(await wrk(repoBase + f.name, c, SECONDS));
          row.nginx.push(await wrk(nginxBase + f.name, c, SECONDS));
        }
        rows.push(row);
        console.log(`${f.label} at ${c} connections: provd-repo ${row.repo.map((r) => r.rps.toFixed(0)).join(', ')} req/s; nginx ${row.nginx.map((r) => r.rps.toFixed(0)).join(', ')} req/s`);
      }
    }
    const afterDownloads = memMiB(repo.pid!);
    const nginxMem = memMiB(nginx.child.pid!);

    const up = await drive(UPLOADERS, UPLOADS, (i) => put(uploads[i]), (s) => s === 201);
    const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', 'plugins.db'), 'utf8')) as Record<string, unknown>;
    const lost = uploads.filter((f) => !(path.basename(f).replace(/-1\.0\.0\.tar\.bz2$/, '') in index)).length;
    agent.destroy();
    repo.kill('SIGTERM');
    await new Promise((r) => repo.once('exit', r));
    await log.close();
    await nginx.stop();

    const repoErrors = rows.flatMap((r) => r.repo).reduce((a, r) => a + r.errors, 0);
    const nginxErrors = rows.flatMap((r) => r.nginx).reduce((a, r) => a + r.errors, 0);
    const table = downloadTable(rows);
    const uploadTable = markdown(
      ['scenario', 'requests', 'errors', 'lost from plugins.db', 'req/s', 'p50 ms', 'p99 ms'],
      [[`uploads, ${UPLOADERS} uploaders`, String(up.requests), String(up.errors), String(lost), (up.requests / up.seconds).toFixed(1), up.p50.toFixed(0), up.p99.toFixed(0)]],
    );
    const workers = args.workers === 'auto' ? os.availableParallelism() : Number(args.workers);
    const setup =
      `Loopback, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${nginxVersion()}. ` +
      `wrk 1 thread, keep-alive, ${SECONDS} s per run, each figure the mean of 2 runs in ABAB order (provd-repo, nginx, provd-repo, nginx), ` +
      `errors (non-2xx, socket errors and wrk's 2 s timeouts): provd-repo ${repoErrors}, nginx ${nginxErrors}. provd-repo: \`serve --workers ${args.workers}\` (${workers} processes), request log on (to a file), ` +
      `files from memory; RSS ${idle.rss.toFixed(0)} MiB after start, ${afterDownloads.rss.toFixed(0)} MiB after the downloads (all processes). ` +
      `nginx: Debian's nginx.conf (worker_processes auto, sendfile, tcp_nopush, access log on), \`alias\` to the same folder; ` +
      `RSS ${nginxMem.rss.toFixed(0)} MiB. wrk, provd-repo and nginx share the cores. Load average before ${loadBefore}, after ${loadavg()} ` +
      `(other work on the machine counts in it).`;
    console.log(`\n${table}\n\n${uploadTable}\n\n${setup}`);
    writeFileSync(
      args.out!,
      `# provd-repo load test\n\n\`npm run bench:repo\` (tools/load-repo.ts), ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n\n${uploadTable}\n\n${setup}\n`,
    );
    console.log(`wrote ${args.out}`);
    // timeouts under a loaded machine are figures, not failures; lost uploads are
    if (up.errors || lost) process.exitCode = 1;
  } finally {
    for (const s of stops) await s().catch(() => undefined);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`load-repo: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
