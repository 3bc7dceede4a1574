/** Shared pieces of the benchmarks: a generated workspace, timing, peak memory, a table. */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { collectionFiles } from '../packages/provd-nx/test/collection';
import { createWorkspace, TestWorkspace } from '../packages/provd-nx/test/workspace';

export function generatedWorkspace(families: number, models: number, realistic: boolean): TestWorkspace {
  return createWorkspace({ files: collectionFiles(families, models, realistic) });
}

export interface Measure {
  seconds: number;
  /** peak resident memory of the largest process in the tree, MiB */
  peakMiB: number;
  /** user + system CPU seconds of the whole process tree: steadier than wall time on a busy machine */
  cpuSeconds: number;
  output: string;
}

/**
 * Run a command and measure wall time and the peak RSS of its largest
 * process (getrusage RUSAGE_CHILDREN, through python3: node has no such call).
 */
export function measure(ws: TestWorkspace, args: string[], env: Record<string, string> = {}): Measure {
  const probe =
    'import resource,subprocess,sys,time,json\n' +
    't=time.monotonic(); r=subprocess.run(sys.argv[1:], capture_output=True, text=True)\n' +
    'd=time.monotonic()-t\n' +
    'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'print(json.dumps({"code":r.returncode,"seconds":d,"maxrss":u.ru_maxrss,"cpu":u.ru_utime+u.ru_stime,"out":r.stdout+r.stderr}))';
  const r = spawnSync('python3', ['-c', probe, ...args], { cwd: ws.root, env: ws.env(env), encoding: 'utf8', maxBuffer: 256 << 20 });
  const res = JSON.parse(r.stdout);
  if (res.code !== 0) throw new Error(`${args.join(' ')} failed:\n${res.out}`);
  return { seconds: res.seconds, peakMiB: res.maxrss / 1024, cpuSeconds: res.cpu, output: res.out };
}

export function nxArgs(ws: TestWorkspace, ...args: string[]): string[] {
  return [process.execPath, ws.path('node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => (typeof v === 'number' ? v.toFixed(2) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c])).length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(cell(r[c])))))].join('\n');
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
