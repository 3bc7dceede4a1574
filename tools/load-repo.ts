/**
 * Load test of the repository server (loopback only, bounded in count and time):
 *  - downloads: 200 concurrent clients fetching plugins.db then a package, in turn;
 *  - uploads: 16 concurrent uploaders publishing distinct packages to testing;
 *  - the same downloads served by nginx from the same folder, as the anchor.
 * Reports requests/s, p50/p99 latency, errors and the server's peak memory (VmHWM of
 * its processes), prints a table and writes tools/load-repo.md.
 *
 *   npm run bench:repo [-- --requests 6000 --seconds 40 --uploads 64]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlugin, tempDir } from '../packages/provd-repo/test/fixture';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    requests: { type: 'string', default: '6000' },
    seconds: { type: 'string', default: '40' },
    uploaders: { type: 'string', default: '16' },
    uploads: { type: 'string', default: '64' },
    plugins: { type: 'string', default: '12' },
    'package-kb': { type: 'string', default: '256' },
    out: { type: 'string', default: path.join(__dirname, 'load-repo.md') },
  },
});
const CLIENTS = Number(args.clients);
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const UPLOADERS = Number(args.uploaders);
const UPLOADS = Number(args.uploads);
const PLUGINS = Number(args.plugins);
const PACKAGE_BYTES = Number(args['package-kb']) * 1024;
const TOKEN = `load-test-${process.pid}-token-0123456789`;
const REPO_BIN = path.join(__dirname, '../packages/provd-repo/bin/provd-repo.js');

interface Result {
  scenario: string;
  server: string;
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  peakMiB: number;
  note?: string;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
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

/** Peak resident memory of a process and its children, from /proc (Linux). */
function peakMiB(pid: number): number {
  const pids = [pid];
  try {
    for (const t of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) pids.push(Number(t));
  } catch {
    // no children file
  }
  let kb = 0;
  for (const p of pids) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    if (m) kb += Number(m[1]);
  }
  return kb / 1024;
}

function request(agent: http.Agent, url: URL, method = 'GET', body?: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers: body ? { ...headers, 'content-length': body.length } : headers }, (res) => {
      res.on('data', () => undefined).on('end', () => resolve(res.statusCode ?? 0)).on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject).end(body);
  });
}

/** `workers` loops sharing a budget of `total` requests and a deadline; each takes the next job. */
async function drive(workers: number, total: number, seconds: number, job: (i: number) => Promise<number>, ok: (status: number) => boolean) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total && Date.now() < deadline) {
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
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), truncated: next < total };
}

async function downloads(base: string, files: string[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    // every client alternates plugins.db and a package, like provd's update then install
    return await drive(CLIENTS, REQUESTS, SECONDS, (i) => request(agent, new URL(i % 2 ? files[(i >> 1) % files.length] : 'plugins.db', base)), (s) => s === 200);
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  if (os.platform() !== 'linux') throw new Error('the load test reads /proc: Linux only');
  const root = await tempDir('provd-repo-load-');
  const work = await tempDir('provd-repo-load-pkgs-');
  const children: ChildProcess[] = [];
  const results: Result[] = [];
  try {
    await fsp.chmod(root, 0o755); // nginx workers may run as another user
    console.log(`building ${PLUGINS + UPLOADS} packages of ~${PACKAGE_BYTES >> 10} KiB...`);
    const seeded = await Promise.all(Array.from({ length: PLUGINS }, (_, i) => buildPlugin(work, { id: `load-a${i}-1.0`, version: '1.0.0', firmwareBytes: PACKAGE_BYTES })));
    const uploads: string[] = [];
    for (let i = 0; i < UPLOADS; i += 8) {
      uploads.push(...(await Promise.all(Array.from({ length: Math.min(8, UPLOADS - i) }, (_, j) => buildPlugin(work, { id: `load-u${i + j}-1.0`, version: '1.0.0', firmwareBytes: PACKAGE_BYTES })))));
    }

    // provd-repo, the real CLI in its own process
    const port = await freePort();
    const logFile = path.join(work, 'provd-repo.log');
    const log = await fsp.open(logFile, 'w');
    const repo = spawn(process.execPath, [REPO_BIN, 'serve', '--root', root, '--port', String(port)], {
      stdio: ['ignore', log.fd, 'inherit'],
      env: { ...process.env, PROVD_REPO_TOKENS: `${TOKEN} *` },
    });
    children.push(repo);
    const base = `http://127.0.0.1:${port}/plugins/2/testing/`;
    await waitFor(`http://127.0.0.1:${port}/plugins/2/`, repo);
    const idleMiB = peakMiB(repo.pid!); // after startup: Node, fastify and the TypeScript loader

    // seed through the server itself, then measure
    const agent = new http.Agent({ keepAlive: true, maxSockets: UPLOADERS });
    const put = (file: string) =>
      request(agent, new URL(path.basename(file), base), 'PUT', readFileSync(file), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' });
    for (const f of seeded) if ((await put(f)) !== 201) throw new Error(`seeding ${f} failed`);
    const files = seeded.map((f) => path.basename(f));

    const dl = await downloads(base, files);
    results.push({ scenario: `downloads, ${CLIENTS} clients`, server: 'provd-repo', ...dl, peakMiB: peakMiB(repo.pid!) });

    const up = await drive(UPLOADERS, UPLOADS, SECONDS, (i) => put(uploads[i]), (s) => s === 201);
    const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', 'plugins.db'), 'utf8')) as Record<string, unknown>;
    const lost = uploads.slice(0, up.requests).filter((f) => !(path.basename(f).replace(/-1\.0\.0\.tar\.bz2$/, '') in index)).length;
    results.push({ scenario: `uploads, ${UPLOADERS} uploaders`, server: 'provd-repo', ...up, peakMiB: peakMiB(repo.pid!), note: `${lost} lost from plugins.db` });
    agent.destroy();
    repo.kill('SIGTERM');
    await new Promise((r) => repo.once('exit', r));
    await log.close();

    // nginx from the same folder
    const nginxPort = await freePort();
    const prefix = path.join(work, 'nginx');
    await fsp.mkdir(prefix);
    const conf = path.join(prefix, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${prefix}/access.log;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${nginxPort};
    location /plugins/2/ { alias ${root}/; }
  }
}
`,
    );
    const nginx = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(nginx);
    const nginxBase = `http://127.0.0.1:${nginxPort}/plugins/2/testing/`;
    await waitFor(`${nginxBase}plugins.db`, nginx);
    const ng = await downloads(nginxBase, files);
    results.push({ scenario: `downloads, ${CLIENTS} clients`, server: 'nginx (anchor)', ...ng, peakMiB: peakMiB(nginx.pid!) });
    nginx.kill('SIGQUIT');
    await new Promise((r) => nginx.once('exit', r));
    report(results, idleMiB, (await new Promise<string>((resolve) => {
      const c = spawn('/usr/sbin/nginx', ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let s = '';
      c.stderr!.on('data', (d: Buffer) => (s += d)).on('end', () => resolve(s.trim()));
    })));
    if (results.some((r) => r.errors) || lost) process.exitCode = 1;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(work, { recursive: true, force: true });
  }
}

function report(results: Result[], idleMiB: number, nginxVersion: string): void {
  const head = ['scenario', 'server', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'note'];
  const rows = results.map((r) => [
    r.scenario,
    r.server,
    String(r.requests),
    String(r.errors),
    (r.requests / r.seconds).toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    r.peakMiB.toFixed(0),
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const table = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  console.log(`\n${table}\n`);
  const setup =
    `Loopback, ${os.cpus().length} cores shared with other work, Node ${process.version}, ${nginxVersion} (worker_processes auto). ` +
    `Downloads: ${CLIENTS} concurrent keep-alive clients alternating plugins.db and one of ${PLUGINS} packages of ~${PACKAGE_BYTES >> 10} KiB, ` +
    `up to ${REQUESTS} requests or ${SECONDS} s. Uploads: ${UPLOADERS} concurrent uploaders publishing ${UPLOADS} distinct packages to testing ` +
    `(each checked like verify, indexed under the channel lock). provd-repo runs as its CLI with one log line per request to a file; ` +
    `peak RSS is VmHWM of the server's processes (provd-repo: ${idleMiB.toFixed(0)} MiB right after startup, most of it Node and the ` +
    `TypeScript loader it runs from source with). Client and servers share the machine, so figures compare, not promise.`;
  writeFileSync(args.out!, `# provd-repo load test\n\n\`npm run bench:repo\` (tools/load-repo.ts), ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n\n${setup}\n`);
  console.log(`wrote ${args.out}`);
}

main().catch((e) => {
  console.error(`load-repo: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
