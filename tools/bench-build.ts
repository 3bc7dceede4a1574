/**
 * Build benchmark against the reference builder, on a generated collection shaped
 * like the Wazo one (tools/wazo-collection.ts: 22 families, 114 targets, 21 MB),
 * Nx cache on, daemon off unless a case says otherwise:
 *
 *   npm run bench:build                    # 114 models (the real shape) vs the reference, the six cases
 *                                          # profiled, then scaling at 150/600/2400
 *   npm run bench:build -- --quick         # 114 models only
 *   npm run bench:build -- --scale 114,600 # other sizes (the first gets the table and the six cases)
 *   npm run bench:build -- --no-test       # without the test case (which needs the real provd)
 *   npm run bench:build -- --test-copies 4 # the test case on 4 copies of the sample families (default 10, --quick 2)
 *   (above 600 models the affected publish goes to an empty channel unless --full-channel)
 *
 * The reference builder is `pgbuild.py` beside this repository
 * (../shared/reference/pgbuild.py, or PROVD_REFERENCE_BUILDER), timed on the same
 * collection in the same run, at the first size. Peak memory is the largest RSS
 * of any process a command waited for (getrusage of the children), plus the Nx
 * daemon's own peak (VmHWM) for the daemon cases. CPU seconds sit beside wall
 * times because they move less when the machine is shared; counts (python3
 * start-ups, batch processes, plugin workers, tasks run) do not move at all.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { profileTotals } from '../packages/provd-nx/src/runtime/profile';
import { createWorkspace, TestWorkspace } from '../packages/provd-nx/test/workspace';
import { machine, measure, Measure, nxArgs, table } from './bench-lib';
import { benchTest } from './bench-test';
import { Floor, nxFloor } from './nx-floor';
import { collectionShape, REAL_SHAPE, wazoCollection, WazoCollection } from './wazo-collection';

const quick = process.argv.includes('--quick');
const scaleArg = process.argv.indexOf('--scale');
const sizes = quick
  ? [114]
  : scaleArg > 0 && process.argv[scaleArg + 1] && !process.argv[scaleArg + 1].startsWith('--')
    ? process.argv[scaleArg + 1].split(',').map(Number)
    : [114, 150, 600, 2400];

/** shared/reference/pgbuild.py beside the repository (a worktree may sit one level deeper). */
function findReference(): string {
  for (let dir = resolve(__dirname, '..', '..'); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', 'pgbuild.py');
    if (existsSync(candidate)) return candidate;
  }
  return resolve(__dirname, '..', '..', 'shared', 'reference', 'pgbuild.py');
}
const referenceBuilder = process.env.PROVD_REFERENCE_BUILDER ?? findReference();
if (!existsSync(referenceBuilder)) {
  console.error(`reference builder not found: ${referenceBuilder} (set PROVD_REFERENCE_BUILDER)`);
  process.exit(2);
}

/** The issue's measurements on the real collection (seconds; reference 17.0 s). */
const REAL_FIGURES: Record<string, string> = {
  cold: '17.1-23.8',
  hit: '10.0-18.0',
  graphCached: '4.9',
  graphCold: '12.6',
  model: '10.2',
  common: '12.5',
  modelDaemon: '6.7',
  commonDaemon: '-',
};

const CACHE_HITS = /Nx read the output from the cache instead of running the command for (\d+) out of (\d+) tasks/;
const SUCCESS = /Successfully ran target \S+ for (?:(\d+) projects?|project \S+)(?: and (\d+) tasks? (?:it|they) depends? on)?/;
function taskCounts(m: Measure): { tasks: number; hits: number } {
  const c = m.output.match(CACHE_HITS);
  if (c) return { tasks: Number(c[2]), hits: Number(c[1]) };
  const s = m.output.match(SUCCESS);
  return { tasks: s ? Number(s[1] ?? 1) + Number(s[2] ?? 0) : 0, hits: 0 };
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : e.isFile() ? statSync(join(dir, e.name)).size : 0),
    0
  );
}
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

type Totals = Map<string, { ms: number; count: number }>;

/** Nx's own timers (NX_PERF_LOGGING): total ms and count per measure name. */
function nxPerf(output: string): Totals {
  const totals: Totals = new Map();
  for (const m of output.matchAll(/Time taken for '(.+?)' ([\d.]+)ms/g)) {
    const t = totals.get(m[1]) ?? { ms: 0, count: 0 };
    t.ms += Number(m[2]);
    t.count++;
    totals.set(m[1], t);
  }
  return totals;
}

/**
 * What every measured command runs with: a profile file for our timers, and a
 * python3 that counts its own start-ups (one line per start in a file) before
 * exec'ing the real one. The shim costs a /bin/sh start per python3 (a few ms).
 */
class Probe {
  readonly dir = mkdtempSync(join(tmpdir(), 'provd-bench-probe-'));
  readonly profile = join(this.dir, 'profile.jsonl');
  readonly pythons = join(this.dir, 'python3-starts');
  readonly python = join(this.dir, 'python3');
  constructor() {
    const real = execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim();
    writeFileSync(this.python, `#!/bin/sh\necho 1 >> '${this.pythons}'\nexec '${real}' "$@"\n`);
    chmodSync(this.python, 0o755);
  }
  env(): Record<string, string> {
    return { PROVD_PROFILE: this.profile, PROVD_PYTHON: this.python, NX_PERF_LOGGING: 'true' };
  }
  reset(): void {
    rmSync(this.profile, { force: true });
    rmSync(this.pythons, { force: true });
  }
  read(): { ours: Totals; pythons: number } {
    const ours = existsSync(this.profile) ? profileTotals(readFileSync(this.profile, 'utf8')) : new Map();
    const pythons = existsSync(this.pythons) ? readFileSync(this.pythons, 'utf8').split('\n').filter(Boolean).length : 0;
    return { ours, pythons };
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Case {
  measure: Measure;
  nx: Totals;
  ours: Totals;
  pythons: number;
  tasks: number;
  hits: number;
  /** the daemon's peak RSS, MiB (daemon cases) */
  daemonMiB?: number;
}

function runCase(ws: TestWorkspace, probe: Probe, args: string[], env: Record<string, string>): Case {
  probe.reset();
  const m = measure(ws, args, { ...env, ...probe.env() });
  const { ours, pythons } = probe.read();
  return { measure: m, nx: nxPerf(m.output), ours, pythons, ...taskCounts(m) };
}

/** VmHWM of the Nx daemon serving this workspace (it is not a child of the measured commands). */
function daemonPeakMiB(ws: TestWorkspace): number {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('daemon') || !cmd.includes('start')) continue;
      const cwd = execFileSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).trim();
      if (cwd !== ws.root) continue;
      const hwm = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // gone meanwhile
    }
  }
  return peak;
}

interface SizeResult {
  models: number;
  sourceMiB: string;
  graphCold: Case;
  graphCached: Case;
  cold: Case;
  hit: Case;
  /** one model's template changed, `nx affected -t publish` (daemon off) */
  model: Case;
  /** one family's common/common.py changed, `nx affected -t publish` (daemon off) */
  common?: Case;
  commonModels?: number;
  modelDaemon?: Case;
  commonDaemon?: Case;
  /** the same with NX_ISOLATE_PLUGINS=false: plugins in Nx's process, no plugin workers */
  hitInProcess?: Case;
  modelInProcess?: Case;
  commonInProcess?: Case;
  /** setup: every package published to an empty channel (not a goal); skipped above 600 models */
  publishAll?: Case;
  floor?: Floor;
}

const peakOf = (...cases: Array<Case | undefined>) =>
  Math.max(...cases.filter((c): c is Case => !!c).map((c) => Math.max(c.measure.peakMiB, c.daemonMiB ?? 0)));

/** Everything measured on our side for one collection size; `full`: the six cases (first size). */
function runOurs(ws: TestWorkspace, collection: WazoCollection, models: number, full: boolean): SizeResult {
  const channelRoot = mkdtempSync(join(tmpdir(), 'provd-bench-channel-'));
  const probe = new Probe();
  try {
    const env = { PROVD_REPOSITORY: channelRoot };
    const nx = (...args: string[]) => nxArgs(ws, ...args, '--outputStyle=static');
    const build = nx('run-many', '-t', 'build');
    // the better of two cold graphs (no Nx cache, no plugin cache): the first run after writing a
    // large collection also pays the kernel settling its page cache
    const coldGraph = () => {
      rmSync(ws.path('.nx'), { recursive: true, force: true });
      return runCase(ws, probe, nxArgs(ws, 'show', 'projects'), env);
    };
    const graphCold = [coldGraph(), coldGraph()].reduce((a, b) => (b.measure.seconds < a.measure.seconds ? b : a));
    const graphCached = runCase(ws, probe, nxArgs(ws, 'show', 'projects'), env);
    const cold = runCase(ws, probe, build, env);
    const hit = runCase(ws, probe, build, env);

    // A channel holding every package, then one change: what a CI run after a commit does.
    // Above 600 models the channel starts empty (--full-channel forces it): filling it one
    // publish at a time costs more than the rest of the size together.
    const seed = models <= 600 || process.argv.includes('--full-channel');
    const publishAll = seed ? runCase(ws, probe, nx('run-many', '-t', 'publish'), env) : undefined;
    ws.commit('published');
    const first = collection.families[0];
    const affected = nx('affected', '-t', 'publish', '--base=HEAD~1');
    const change = (rel: string, what: string, daemon = false, extra: Record<string, string> = {}): Case => {
      ws.append(rel, `\n# ${what}\n`);
      ws.commit(what);
      const c = runCase(ws, probe, affected, { ...env, ...extra, ...(daemon ? { NX_DAEMON: 'true' } : {}) });
      if (daemon) c.daemonMiB = daemonPeakMiB(ws);
      ws.commit(`${what}: bumped`); // the bumped plugin-info files, as --commit would
      return c;
    };
    const modelFile = (i: number) => `plugins/${first.name}/${first.folders[first.models[i]]}/templates/base.tpl`;
    const commonFile = `plugins/${first.name}/common/common.py`;
    const model = change(modelFile(1), 'one model template changed');
    if (!full) return { models, sourceMiB: mib(dirBytes(ws.path('plugins'))), graphCold, graphCached, cold, hit, model, publishAll };

    const common = change(commonFile, "one family's common/common.py changed");
    // the daemon: started and handed the graph once, as on a developer's machine
    const daemonEnv = { ...env, ...probe.env(), NX_DAEMON: 'true' };
    measure(ws, nxArgs(ws, 'daemon', '--start'), daemonEnv);
    measure(ws, nxArgs(ws, 'show', 'projects'), daemonEnv);
    let modelDaemon: Case | undefined;
    let commonDaemon: Case | undefined;
    try {
      modelDaemon = change(modelFile(2), 'another model template changed (daemon on)', true);
      commonDaemon = change(commonFile, "common/common.py changed again (daemon on)", true);
    } finally {
      measure(ws, nxArgs(ws, 'daemon', '--stop'), daemonEnv);
    }
    // Nx's plugin workers are most of a command's start-up (the floor pays them too): the same
    // cases with plugins loaded in Nx's own process (NX_ISOLATE_PLUGINS=false, e.g. in .env)
    const inProcess = { NX_ISOLATE_PLUGINS: 'false' };
    const hitInProcess = runCase(ws, probe, build, { ...env, ...inProcess });
    const modelInProcess = change(modelFile(3), 'a third model template changed (plugins in-process)', false, inProcess);
    const commonInProcess = change(commonFile, 'common/common.py changed a third time (plugins in-process)', false, inProcess);
    return {
      models,
      sourceMiB: mib(dirBytes(ws.path('plugins'))),
      graphCold,
      graphCached,
      cold,
      hit,
      model,
      common,
      commonModels: first.models.length,
      modelDaemon,
      commonDaemon,
      hitInProcess,
      modelInProcess,
      commonInProcess,
      publishAll,
    };
  } finally {
    probe.dispose();
    rmSync(channelRoot, { recursive: true, force: true });
  }
}

/** Where each case's time goes: Nx's timers, ours, and counts that do not depend on load. */
function profileTable(cases: Array<[string, Case | undefined]>): string {
  const present = cases.filter((c): c is [string, Case] => !!c[1]);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const nx = (c: Case, name: string) => c.nx.get(name) ?? { ms: 0, count: 0 };
  const ours = (c: Case, name: string) => c.ours.get(name) ?? { ms: 0, count: 0 };
  // one batch holds a model's build, version and publish (one executor); a batch of each before
  const batchWall = (c: Case) => [...c.ours].filter(([k]) => k.startsWith('batch of ') && k.endsWith(' tasks (wall)')).reduce((n, [, t]) => n + t.ms, 0);
  const rows: Array<[string, (c: Case) => string]> = [
    ['wall, s', (c) => c.measure.seconds.toFixed(2)],
    ['CPU (user+sys), s', (c) => c.measure.cpuSeconds.toFixed(2)],
    ['tasks run / cache hits', (c) => `${c.tasks - c.hits} / ${c.hits}`],
    ['project graph (createProjectGraphAsync), s', (c) => s(nx(c, 'createProjectGraphAsync').ms)],
    ['  loading plugins (loadSpecifiedNxPlugins), s', (c) => s(nx(c, 'loadSpecifiedNxPlugins').ms)],
    ["  Load Nx Plugin: @provd/nx, s", (c) => s(nx(c, 'Load Nx Plugin: @provd/nx').ms)],
    ["  Nx's default plugins (loadDefaultNxPlugins), s", (c) => s(nx(c, 'loadDefaultNxPlugins').ms)],
    ['  plugin workers started', (c) => String([...c.nx.keys()].filter((k) => k.startsWith('start-plugin-worker:')).length)],
    ['  @provd/nx:createNodes, s', (c) => s(nx(c, '@provd/nx:createNodes').ms)],
    ['task hashing (hashMultipleTasks), s', (c) => s(nx(c, 'hashMultipleTasks').ms)],
    ['batch processes', (c) => String(ours(c, 'batch process start-up (until the executor runs)').count)],
    ['  their start-up until our executor runs, s (summed)', (c) => s(ours(c, 'batch process start-up (until the executor runs)').ms)],
    ['  their run, s (wall, summed over batches)', (c) => s(batchWall(c))],
    ['    build tasks, s (summed)', (c) => s(ours(c, 'task: build (summed)').ms)],
    ['    version tasks, s (summed)', (c) => s(ours(c, 'task: version (summed)').ms)],
    ['    publish tasks, s (summed)', (c) => s(ours(c, 'task: publish (summed)').ms)],
    ['build: native steps, s (summed, tasks)', (c) => `${s(ours(c, 'build: native steps (copies, sed)').ms)} (${ours(c, 'build: native steps (copies, sed)').count})`],
    ['build: recipe run by python3, s (summed, tasks)', (c) => `${s(ours(c, 'build: recipe run by python3').ms)} (${ours(c, 'build: recipe run by python3').count})`],
    ['build: tar | bzip2 -9, s (summed, tasks)', (c) => `${s(ours(c, 'build: package (tar | bzip2 -9)').ms)} (${ours(c, 'build: package (tar | bzip2 -9)').count})`],
    ['publish: read back + upload + index, s (summed)', (c) => s(ours(c, 'publish: read package back').ms + ours(c, 'publish: upload + index').ms)],
    ['python3 start-ups (recording + recipes)', (c) => String(c.pythons)],
    ['Nx cache store (cache-results), s', (c) => s(nx(c, 'cache-results').ms)],
    [
      'the rest: Nx start-up, task graph, orchestration, s',
      (c) => (c.measure.seconds - (nx(c, 'createProjectGraphAsync').ms + nx(c, 'hashMultipleTasks').ms + batchWall(c) + nx(c, 'cache-results').ms) / 1000).toFixed(2),
    ],
  ];
  return table(rows.map(([phase, f]) => ({ phase, ...Object.fromEntries(present.map(([name, c]) => [name, f(c)])) })));
}

/** The reference builder on the same sources: build + package, then db + rsync upload. */
function runReference(ws: TestWorkspace) {
  const out = mkdtempSync(join(tmpdir(), 'provd-bench-ref-'));
  try {
    for (const d of ['plugins', 'testing', 'upload']) mkdirSync(join(out, d));
    const py = (...args: string[]) => ['python3', referenceBuilder, ...args];
    const build = measure(ws, py('--build', '--source', 'plugins', '--destination', join(out, 'plugins')));
    const pack = measure(ws, py('--package', '--source', join(out, 'plugins'), '--destination', join(out, 'testing')));
    const db = measure(ws, py('--db', '--source', join(out, 'testing'), '--destination', join(out, 'testing')));
    const upload = measure(ws, ['rsync', '-a', join(out, 'testing') + '/', join(out, 'upload') + '/']);
    // The compression floor: the whole collection's tar stream through one bzip2 -9.
    const tarFile = join(out, 'all.tar');
    measure(ws, ['tar', 'cf', tarFile, '-C', join(out, 'plugins'), '.']);
    const bzip2 = measure(ws, ['sh', '-c', `bzip2 -9 -c '${tarFile}' > /dev/null`]);
    // python3's own start-up, the unit every recipe run under python3 pays at least once
    const python = measure(ws, ['python3', '-c', 'pass']);
    return {
      buildPackage: { seconds: build.seconds + pack.seconds, peakMiB: Math.max(build.peakMiB, pack.peakMiB), cpuSeconds: build.cpuSeconds + pack.cpuSeconds },
      fullUpload: {
        seconds: build.seconds + pack.seconds + db.seconds + upload.seconds,
        peakMiB: Math.max(build.peakMiB, pack.peakMiB, db.peakMiB),
        cpuSeconds: build.cpuSeconds + pack.cpuSeconds + db.cpuSeconds + upload.cpuSeconds,
      },
      bzip2,
      python,
      pluginsMiB: mib(dirBytes(join(out, 'plugins'))),
      packagesMiB: mib(dirBytes(join(out, 'testing'))),
      packages: readdirSync(join(out, 'testing')).filter((f) => f.endsWith('.tar.bz2')).length,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function uptime(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function printShape(collection: WazoCollection): void {
  const g = collectionShape(collection);
  console.log(`\ncollection shape, generated beside the real one (the issue's figures; '-': not given there):\n`);
  console.log(
    table([
      { measure: 'top-level folders under plugins/', generated: String(g.folders), real: String(REAL_SHAPE.folders) },
      { measure: 'targets (models)', generated: String(g.targets), real: String(REAL_SHAPE.targets) },
      { measure: 'sources, MB', generated: g.mb.toFixed(1), real: String(REAL_SHAPE.mb) },
      { measure: 'files per model folder', generated: g.filesPerModel.toFixed(1), real: '-' },
      { measure: 'KB per model folder', generated: g.kbPerModel.toFixed(0), real: '-' },
      { measure: 'shared folders per family', generated: g.sharedPerFamily.toFixed(2), real: '-' },
      { measure: 'Yealink-like models copying common/', generated: g.yealinkCopyCommon, real: REAL_SHAPE.yealinkCopyCommon },
      { measure: '... of which override common.py', generated: g.yealinkOverride, real: REAL_SHAPE.yealinkOverride },
      { measure: 'models with their own common.py (all families)', generated: String(g.overriding), real: '-' },
      { measure: 'test files (tests/*.py)', generated: String(g.testFiles), real: String(REAL_SHAPE.testFiles) },
      { measure: 'largest pkgs.db, KB', generated: g.largestPkgsDbKB.toFixed(0), real: '-' },
      { measure: 'recipes replayed natively (rsync; sed loops)', generated: `${g.native} (${g.sedLoop} with sed loops)`, real: '-' },
      { measure: 'recipes run under python3 (chosen: Python writes into the plugin)', generated: String(g.python3), real: '-' },
    ])
  );
}

const results: SizeResult[] = [];
const started = Date.now();
console.log(`machine: ${machine()}; load average at start: ${uptime()}`);
for (const [index, models] of sizes.entries()) {
  const t0 = Date.now();
  const collection = wazoCollection(models);
  const ws = createWorkspace({ files: collection.files });
  // the sources just written are flushed now, not while Nx hashes them
  execFileSync('sync');
  try {
    const first = index === 0;
    const ref = first ? runReference(ws) : undefined;
    const r = runOurs(ws, collection, models, first);
    r.floor = nxFloor(ws);
    results.push(r);
    if (ref && r.common && r.modelDaemon && r.commonDaemon) {
      printShape(collection);
      const b = ref.buildPackage.seconds;
      const row = (c: string, real: string, m: Case | { seconds: number; cpuSeconds: number; peakMiB: number } | undefined, goal: string) => {
        const x: { seconds: number; cpuSeconds: number; peakMiB: number } | undefined = m === undefined ? undefined : 'measure' in m ? m.measure : m;
        return {
          case: c,
          'real collection, s (issue)': real,
          seconds: x ? x.seconds.toFixed(2) : '-',
          'x reference': x ? (x.seconds / b).toFixed(2) : '-',
          goal,
          'cpu s': x ? x.cpuSeconds.toFixed(2) : '-',
          'peak MiB': x ? (m && 'measure' in m ? peakOf(m) : x.peakMiB).toFixed(0) : '-',
          'tasks run / hits': m && 'measure' in m ? `${m.tasks - m.hits} / ${m.hits}` : '-',
        };
      };
      console.log(
        `\n${models} models in ${collection.families.length} families: ${r.sourceMiB} MiB of sources, ` +
          `${ref.pluginsMiB} MiB of plugin folders, ${ref.packages} packages of ${ref.packagesMiB} MiB\n`
      );
      console.log(
        table([
          row('reference builder (pgbuild.py --build + --package)', '17.0', ref.buildPackage, '1'),
          row('cold `nx run-many -t build` (cache on, no daemon)', REAL_FIGURES.cold, r.cold, '<= 0.35x'),
          row('every task a cache hit', REAL_FIGURES.hit, r.hit, '<= 0.15x'),
          row('`nx show projects`, graph cached', REAL_FIGURES.graphCached, r.graphCached, '-'),
          row('`nx show projects`, cold (recording every family)', REAL_FIGURES.graphCold, r.graphCold, '-'),
          row('one model template changed, `nx affected -t publish`', REAL_FIGURES.model, r.model, '<= 0.15x'),
          row(`one family's common/ changed (${r.commonModels} models), \`nx affected -t publish\``, REAL_FIGURES.common, r.common, '<= 0.20x'),
          row('the same one model, daemon on', REAL_FIGURES.modelDaemon, r.modelDaemon, '<= 2.0 s'),
          row("the same family's common/, daemon on", REAL_FIGURES.commonDaemon, r.commonDaemon, '<= 3.0 s'),
          row('every task a cache hit, plugins in-process (NX_ISOLATE_PLUGINS=false)', '-', r.hitInProcess, '(<= 0.15x)'),
          row('one model changed, plugins in-process', '-', r.modelInProcess, '(<= 0.15x)'),
          row("one family's common/ changed, plugins in-process", '-', r.commonInProcess, '(<= 0.20x)'),
          row('bzip2 -9 of the whole tar stream, one core', '-', ref.bzip2, '-'),
          row('reference full rebuild + upload (build, package, db, rsync)', '-', ref.fullUpload, '-'),
        ])
      );
      const peak = peakOf(r.graphCold, r.graphCached, r.cold, r.hit, r.model, r.common, r.modelDaemon, r.commonDaemon, r.publishAll, r.hitInProcess, r.modelInProcess, r.commonInProcess);
      const goal = (what: string, value: number, limit: number, unit = 'x') =>
        `  ${value <= limit ? 'met   ' : 'MISSED'} ${what}: ${value.toFixed(2)}${unit} (goal <= ${limit.toFixed(2)}${unit}${value <= limit ? '' : `; over by ${(value / limit).toFixed(2)}x`})`;
      console.log('\ngoals (wall time; the machine and its load are noted above):');
      console.log(goal('cold build / reference', r.cold.measure.seconds / b, 0.35));
      console.log(goal('all hits / reference', r.hit.measure.seconds / b, 0.15));
      console.log(goal('one model changed, affected publish / reference', r.model.measure.seconds / b, 0.15));
      console.log(goal("one family's common/ changed, affected publish / reference", r.common.measure.seconds / b, 0.2));
      console.log(goal('one model changed, daemon on', r.modelDaemon.measure.seconds, 2.0, ' s'));
      console.log(goal("one family's common/ changed, daemon on", r.commonDaemon.measure.seconds, 3.0, ' s'));
      console.log(goal(`peak memory of any process at ${models} models`, peak, 250, ' MiB'));
      if (r.hitInProcess && r.modelInProcess && r.commonInProcess) {
        console.log(
          `  (plugins in-process, NX_ISOLATE_PLUGINS=false: all hits ${(r.hitInProcess.measure.seconds / b).toFixed(2)}x, ` +
            `one model ${(r.modelInProcess.measure.seconds / b).toFixed(2)}x, common/ ${(r.commonInProcess.measure.seconds / b).toFixed(2)}x)`
        );
      }
      const cpu = (c: Case) => (c.measure.cpuSeconds / ref.buildPackage.cpuSeconds).toFixed(2);
      console.log(
        `  (by CPU seconds instead of wall: cold ${cpu(r.cold)}x, all hits ${cpu(r.hit)}x, one model ${cpu(r.model)}x, ` +
          `common/ ${cpu(r.common)}x; python3 -c pass: ${ref.python.seconds.toFixed(3)} s here)`
      );
      console.log(`\nprofile of the six cases at ${models} models (NX_PERF_LOGGING + PROVD_PROFILE; daemon cases: the graph is the daemon's):\n`);
      console.log(
        profileTable([
          ['cold build', r.cold],
          ['all hit', r.hit],
          ['one model', r.model],
          ['common/', r.common],
          ['one model, daemon', r.modelDaemon],
          ['common/, daemon', r.commonDaemon],
          ['cold graph', r.graphCold],
          ['all hit, in-process', r.hitInProcess],
          ['one model, in-process', r.modelInProcess],
          ['common/, in-process', r.commonInProcess],
        ])
      );
    } else {
      console.log(`\nprofile at ${models} models (NX_PERF_LOGGING + PROVD_PROFILE):\n`);
      console.log(profileTable([['cold build', r.cold], ['all hit', r.hit], ['one model', r.model], ['cold graph', r.graphCold]]));
    }
  } finally {
    ws.dispose();
  }
  console.log(`\n[${models} models done in ${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${uptime()}]`);
}

const perModel = (m: Case, n: number) => (m.measure.seconds * 1000) / n;
const cell = (m: Case, n: number) => `${perModel(m, n).toFixed(1)} (${m.measure.seconds.toFixed(1)})`;
console.log(`\nscaling (ms per model; seconds in brackets):\n`);
console.log(
  table(
    results.map((r) => ({
      models: String(r.models),
      'sources MiB': r.sourceMiB,
      'graph cold': cell(r.graphCold, r.models),
      'graph cached': cell(r.graphCached, r.models),
      'cold build': cell(r.cold, r.models),
      'all-hit build': cell(r.hit, r.models),
      'affected publish, 1 change': cell(r.model, r.models),
      'publish all (setup)': r.publishAll ? cell(r.publishAll, r.models) : 'skipped (empty channel)',
      'python3 starts, cold graph + build': String(r.graphCold.pythons + r.cold.pythons),
      'peak MiB': peakOf(r.graphCold, r.graphCached, r.cold, r.hit, r.model).toFixed(0),
    }))
  )
);
console.log(`\nNx's floor: the same projects, one cached nx:noop target per model, no @provd/nx (ms per model; seconds in brackets):\n`);
console.log(
  table(
    results.map((r) => {
      const f = r.floor!;
      const floorCell = (m: Measure) => `${((m.seconds * 1000) / r.models).toFixed(1)} (${m.seconds.toFixed(1)})`;
      const ours = peakOf(r.graphCold, r.graphCached, r.cold, r.hit, r.model);
      return {
        models: String(r.models),
        projects: String(f.projects),
        'graph cold': floorCell(f.graphCold),
        'run, every task hashed': floorCell(f.cold),
        'all-hit run': floorCell(f.hit),
        'all-hit CPU s, floor / ours': `${f.hit.cpuSeconds.toFixed(2)} / ${r.hit.measure.cpuSeconds.toFixed(2)}`,
        'Nx peak MiB': Math.max(f.graphCold.peakMiB, f.cold.peakMiB, f.hit.peakMiB).toFixed(0),
        'ours peak MiB': ours.toFixed(0),
        'peak MiB per model, ours': (ours / r.models).toFixed(3),
      };
    })
  )
);
if (!process.argv.includes('--no-test')) {
  // the test target: pytest and the real provd per model, on real plugins (the sample families, copied)
  const copiesArg = process.argv.indexOf('--test-copies');
  const copies = copiesArg > 0 ? Number(process.argv[copiesArg + 1]) : quick ? 2 : 10;
  const t = benchTest(copies);
  console.log(`\ntest: ${t.models} models (the sample families copied ${copies} times), ${t.projects} test tasks; load average ${uptime()}\n`);
  console.log(
    table([
      { case: 'cold `nx run-many -t test` (builds cached; pytest, provd, snapshots written)', seconds: t.cold.seconds, 'ms per model': (t.cold.seconds * 1000) / t.models, 'cpu s': t.cold.cpuSeconds, 'peak MiB': t.cold.peakMiB },
      { case: 'every test task a cache hit', seconds: t.hit.seconds, 'ms per model': (t.hit.seconds * 1000) / t.models, 'cpu s': t.hit.cpuSeconds, 'peak MiB': t.hit.peakMiB },
    ])
  );
}
console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end: ${uptime()}`);
