/**
 * Build benchmark against the reference builder, on a generated collection
 * shaped like real ones (tools/bench-collection.ts), Nx cache on, daemon off:
 *
 *   npm run bench:build               # 150 models vs the reference + profile, then scaling 150/600/2400
 *   npm run bench:build -- --quick    # 150 models only
 *   npm run bench:build -- --scale 150,600   # other sizes for the scaling table
 *   npm run bench:build -- --no-test  # without the test case (which needs the real provd)
 *   npm run bench:build -- --test-copies 4   # the test case on 4 copies of the sample families (default 10, --quick 2)
 *   (above 600 models the affected publish goes to an empty channel unless --full-channel)
 *
 * The reference builder is `pgbuild.py` beside this repository
 * (../shared/reference/pgbuild.py, or PROVD_REFERENCE_BUILDER), timed on the same
 * collection in the same run, at the first size only; the profile is printed for every size. Peak memory is the largest
 * RSS of any process of a command (getrusage of the waited children); CPU
 * seconds (user + system of the whole tree) sit beside wall times because they
 * move less when the machine is shared. Each size uses its own temporary git
 * workspace (about 170 KB of sources per model: 2400 models write ~400 MB).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { profileTotals } from '../packages/provd-nx/src/runtime/profile';
import { createWorkspace, TestWorkspace } from '../packages/provd-nx/test/workspace';
import { benchCollection } from './bench-collection';
import { machine, measure, Measure, nxArgs, table } from './bench-lib';
import { Floor, nxFloor } from './nx-floor';
import { benchTest } from './bench-test';

const quick = process.argv.includes('--quick');
const scaleArg = process.argv.indexOf('--scale');
const sizes = quick
  ? [150]
  : scaleArg > 0 && process.argv[scaleArg + 1] && !process.argv[scaleArg + 1].startsWith('--')
    ? process.argv[scaleArg + 1].split(',').map(Number)
    : [150, 600, 2400];
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

const CACHE_HITS = /Nx read the output from the cache instead of running the command for (\d+) out of (\d+) tasks/;
const hits = (m: Measure) => {
  const c = m.output.match(CACHE_HITS);
  return c ? `${c[1]}/${c[2]}` : '0';
};

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirBytes(join(dir, e.name)) : e.isFile() ? statSync(join(dir, e.name)).size : 0),
    0
  );
}
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Nx's own timers (NX_PERF_LOGGING): total ms and count per measure name. */
function nxPerf(output: string): Map<string, { ms: number; count: number }> {
  const totals = new Map<string, { ms: number; count: number }>();
  for (const m of output.matchAll(/Time taken for '(.+?)' ([\d.]+)ms/g)) {
    const t = totals.get(m[1]) ?? { ms: 0, count: 0 };
    t.ms += Number(m[2]);
    t.count++;
    totals.set(m[1], t);
  }
  return totals;
}

interface SizeResult {
  models: number;
  sourceMiB: string;
  graphCold: Measure;
  graphCached: Measure;
  cold: Measure;
  hit: Measure;
  common?: Measure;
  commonModels?: number;
  publish: Measure;
  /** setup: every package published to an empty channel (not a goal; shows the index's cost); skipped above 600 models */
  publishAll?: Measure;
  profile: Array<Record<string, string | number>>;
  /** Nx alone on the same projects (tools/nx-floor.ts) */
  floor?: Floor;
}

/** Everything measured on our side for one collection size. */
function runOurs(ws: TestWorkspace, models: number, families: ReturnType<typeof benchCollection>['families'], withCommon: boolean): SizeResult {
  const channelRoot = mkdtempSync(join(tmpdir(), 'provd-bench-channel-'));
  const profileFile = join(mkdtempSync(join(tmpdir(), 'provd-bench-profile-')), 'profile.jsonl');
  try {
    const env = { PROVD_REPOSITORY: channelRoot };
    const build = nxArgs(ws, 'run-many', '-t', 'build', '--outputStyle=static');
    // the better of two cold graphs (no Nx cache, no plugin cache): the first run after writing a
    // large collection also pays the kernel settling its page cache (7-10 s instead of 3.4 at 2400)
    const coldGraph = () => {
      rmSync(ws.path('.nx'), { recursive: true, force: true });
      return measure(ws, nxArgs(ws, 'show', 'projects'), env);
    };
    const graphCold = [coldGraph(), coldGraph()].reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const graphCached = measure(ws, nxArgs(ws, 'show', 'projects'), env);
    const cold = measure(ws, build, { ...env, NX_PERF_LOGGING: 'true', PROVD_PROFILE: profileFile });
    const ours = profileTotals(readFileSync(profileFile, 'utf8'));
    const perf = nxPerf(cold.output);
    const hit = measure(ws, build, env);

    let common: Measure | undefined;
    let commonModels: number | undefined;
    if (withCommon) {
      const family = families[Math.min(3, families.length - 1)];
      ws.append(`plugins/${family.name}/common/templates/part1.tpl`, '\n<!-- touched -->\n');
      common = measure(ws, build, env);
      commonModels = family.models.length;
      ws.git('checkout', '--', '.');
      measure(ws, build, env); // back to the committed state, every package built
    }

    // A channel holding every package, then one model changed: what a CI run after a commit does.
    // Above 600 models the channel starts empty (--full-channel forces it): filling it one
    // publish at a time costs more than the rest of the size together (each rewrites the index).
    const seed = models <= 600 || process.argv.includes('--full-channel');
    const publishAll = seed ? measure(ws, nxArgs(ws, 'run-many', '-t', 'publish', '--outputStyle=static'), env) : undefined;
    ws.git('checkout', '--', '.');
    ws.commit('published');
    const model = families[0].models[1];
    const folder = model.slice(families[0].name.length + 1);
    ws.append(`plugins/${families[0].name}/${folder}/templates/model.tpl`, '\n<!-- one model changed -->\n');
    ws.commit('one model changed');
    rmSync(profileFile, { force: true });
    const publish = measure(ws, nxArgs(ws, 'affected', '-t', 'publish', '--base=HEAD~1', '--outputStyle=static'), {
      ...env,
      PROVD_PROFILE: profileFile,
    });
    const pub = existsSync(profileFile) ? profileTotals(readFileSync(profileFile, 'utf8')) : new Map();

    const s = (ms: number) => ms / 1000;
    const nx = (name: string) => perf.get(name) ?? { ms: 0, count: 0 };
    const mine = (name: string) => ours.get(name) ?? { ms: 0, count: 0 };
    const graph = nx('createProjectGraphAsync').ms;
    const profile: Array<Record<string, string | number>> = [
      { phase: 'whole cold run (wall)', seconds: cold.seconds, count: '-', note: 'nx run-many -t build' },
      { phase: 'project graph', seconds: s(graph), count: nx('createProjectGraphAsync').count, note: 'createProjectGraphAsync (cached plugin results)' },
      { phase: 'task hashing', seconds: s(nx('hashMultipleTasks').ms), count: nx('hashMultipleTasks').count, note: 'hashMultipleTasks' },
      { phase: 'version tasks (one batch)', seconds: s(mine('batch of version tasks (wall)').ms), count: mine('batch of version tasks (wall)').count, note: 'wall of the batch' },
      { phase: 'build tasks (one batch)', seconds: s(mine('batch of build tasks (wall)').ms), count: mine('batch of build tasks (wall)').count, note: 'wall of the batch' },
      { phase: '  batch process start-up', seconds: s(mine('batch process start-up (until the executor runs)').ms), count: mine('batch process start-up (until the executor runs)').count, note: 'node, Nx batch runner, our executor code' },
      { phase: '  native steps (rsync copies, sed)', seconds: s(mine('build: native steps (copies, sed)').ms), count: mine('build: native steps (copies, sed)').count, note: 'summed over tasks' },
      { phase: '  recipe run by python3', seconds: s(mine('build: recipe run by python3').ms), count: mine('build: recipe run by python3').count, note: 'summed over tasks' },
      { phase: '  tar | bzip2 -9 (package)', seconds: s(mine('build: package (tar | bzip2 -9)').ms), count: mine('build: package (tar | bzip2 -9)').count, note: 'summed over tasks' },
      { phase: 'Nx cache store', seconds: s(nx('cache-results').ms), count: nx('cache-results').count, note: 'cache-results: copying outputs into .nx/cache' },
      {
        phase: 'Nx start-up, task graph, orchestration',
        seconds: cold.seconds - s(graph + nx('hashMultipleTasks').ms + mine('batch of version tasks (wall)').ms + mine('batch of build tasks (wall)').ms + nx('cache-results').ms),
        count: '-',
        note: 'the rest of the wall time',
      },
      { phase: 'affected publish (wall)', seconds: publish.seconds, count: '-', note: 'after one model changed' },
      { phase: '  publish: read package back', seconds: s(pub.get('publish: read package back')?.ms ?? 0), count: pub.get('publish: read package back')?.count ?? 0, note: 'checks what provd will read' },
      { phase: '  publish: upload + index', seconds: s(pub.get('publish: upload + index')?.ms ?? 0), count: pub.get('publish: upload + index')?.count ?? 0, note: 'copy + plugins.db' },
    ];
    return { models, sourceMiB: mib(dirBytes(ws.path('plugins'))), graphCold, graphCached, cold, hit, common, commonModels, publish, publishAll, profile };
  } finally {
    rmSync(channelRoot, { recursive: true, force: true });
    rmSync(join(profileFile, '..'), { recursive: true, force: true });
  }
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
    return {
      buildPackage: { seconds: build.seconds + pack.seconds, peakMiB: Math.max(build.peakMiB, pack.peakMiB), cpuSeconds: build.cpuSeconds + pack.cpuSeconds },
      fullUpload: {
        seconds: build.seconds + pack.seconds + db.seconds + upload.seconds,
        peakMiB: Math.max(build.peakMiB, pack.peakMiB, db.peakMiB),
        cpuSeconds: build.cpuSeconds + pack.cpuSeconds + db.cpuSeconds + upload.cpuSeconds,
      },
      bzip2,
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

const results: SizeResult[] = [];
const started = Date.now();
console.log(`machine: ${machine()}; load average at start: ${uptime()}`);
for (const models of sizes) {
  const t0 = Date.now();
  const collection = benchCollection(models);
  const ws = createWorkspace({ files: collection.files });
  // the sources just written (360 MB at 2400 models) are flushed now, not while Nx hashes them
  execFileSync('sync');
  try {
    const first = results.length === 0;
    const ref = first ? runReference(ws) : undefined;
    const r = runOurs(ws, models, collection.families, first);
    r.floor = nxFloor(ws);
    results.push(r);
    if (ref) {
      const ratio = (x: number, base: number) => (x / base).toFixed(2);
      const row = (c: string, seconds: number, base: number | undefined, peak: number | string, cache: string, cpu: number) => ({
        case: c,
        seconds,
        'ratio to the reference': base === undefined ? '1' : ratio(seconds, base),
        'cpu s': cpu,
        'peak MiB': peak,
        'cache hits': cache,
      });
      const b = ref.buildPackage.seconds;
      console.log(
        `\n${models} models in ${collection.families.length} families: ${r.sourceMiB} MiB of sources, ` +
          `${ref.pluginsMiB} MiB of plugin folders, ${ref.packages} packages of ${ref.packagesMiB} MiB\n`
      );
      console.log(
        table([
          row('reference builder (pgbuild.py --build + --package)', b, undefined, ref.buildPackage.peakMiB, '-', ref.buildPackage.cpuSeconds),
          row('ours, cold `nx run-many -t build` (cache on, no daemon)', r.cold.seconds, b, r.cold.peakMiB, hits(r.cold), r.cold.cpuSeconds),
          row('ours, every task a cache hit', r.hit.seconds, b, r.hit.peakMiB, hits(r.hit), r.hit.cpuSeconds),
          row(`ours, one family's common/ changed (${r.commonModels} models)`, r.common!.seconds, b, r.common!.peakMiB, hits(r.common!), r.common!.cpuSeconds),
          row('`nx show projects` (graph cached)', r.graphCached.seconds, b, r.graphCached.peakMiB, '-', r.graphCached.cpuSeconds),
          row('bzip2 -9 of the whole tar stream, one core', ref.bzip2.seconds, b, ref.bzip2.peakMiB, '-', ref.bzip2.cpuSeconds),
          row('reference full rebuild + upload (build, package, db, rsync)', ref.fullUpload.seconds, undefined, ref.fullUpload.peakMiB, '-', ref.fullUpload.cpuSeconds),
          {
            ...row('ours, `nx affected -t publish` after one model changed', r.publish.seconds, ref.fullUpload.seconds, r.publish.peakMiB, hits(r.publish), r.publish.cpuSeconds),
            'ratio to the reference': `${ratio(r.publish.seconds, ref.fullUpload.seconds)} of full upload`,
          },
        ])
      );
      const peak = Math.max(r.cold.peakMiB, r.hit.peakMiB, r.common!.peakMiB, r.publish.peakMiB, r.graphCold.peakMiB);
      const goal = (what: string, value: number, limit: number, unit = 'x') =>
        `  ${value <= limit ? 'met   ' : 'MISSED'} ${what}: ${value.toFixed(2)}${unit} (goal <= ${limit.toFixed(2)}${unit})`;
      console.log('\ngoals:');
      console.log(goal('cold build / reference', r.cold.seconds / b, 0.35));
      console.log(goal('all hits / reference', r.hit.seconds / b, 0.15));
      console.log(goal("common/ changed / all hits", r.common!.seconds / r.hit.seconds, 1.1));
      console.log(goal('affected publish / reference full rebuild + upload', r.publish.seconds / ref.fullUpload.seconds, 0.2));
      console.log(goal('peak memory of any process', peak, 250, ' MiB'));
      console.log(`  (by CPU seconds instead of wall: cold ${(r.cold.cpuSeconds / ref.buildPackage.cpuSeconds).toFixed(2)}x, all hits ${(r.hit.cpuSeconds / ref.buildPackage.cpuSeconds).toFixed(2)}x, affected publish ${(r.publish.cpuSeconds / ref.fullUpload.cpuSeconds).toFixed(2)}x)`);
    }
    // every size: where cost per model moves as the collection grows shows here
    console.log(`\nprofile of the cold run at ${models} models (NX_PERF_LOGGING + PROVD_PROFILE):\n`);
    console.log(table(r.profile));
  } finally {
    ws.dispose();
  }
  console.log(`\n[${models} models done in ${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${uptime()}]`);
}

const perModel = (m: Measure, n: number) => (m.seconds * 1000) / n;
console.log(`\nscaling (ms per model; seconds in brackets):\n`);
console.log(
  table(
    results.map((r) => {
      const cell = (m: Measure) => `${perModel(m, r.models).toFixed(1)} (${m.seconds.toFixed(1)})`;
      return {
        models: String(r.models),
        'sources MiB': r.sourceMiB,
        'graph cold': cell(r.graphCold),
        'graph cached': cell(r.graphCached),
        'cold build': cell(r.cold),
        'all-hit build': cell(r.hit),
        'affected publish, 1 change': cell(r.publish),
        'publish all (setup)': r.publishAll ? cell(r.publishAll) : 'skipped (empty channel)',
        'peak MiB': Math.max(r.cold.peakMiB, r.hit.peakMiB, r.publish.peakMiB, r.graphCold.peakMiB).toFixed(0),
      };
    })
  )
);
console.log(`\nNx's floor: the same projects, one cached nx:noop target per model, no @provd/nx (ms per model; seconds in brackets):\n`);
console.log(
  table(
    results.map((r) => {
      const f = r.floor!;
      const cell = (m: Measure) => `${perModel(m, r.models).toFixed(1)} (${m.seconds.toFixed(1)})`;
      return {
        models: String(r.models),
        projects: String(f.projects),
        'graph cold': cell(f.graphCold),
        'run, every task hashed': cell(f.cold),
        'all-hit run': cell(f.hit),
        'Nx peak MiB': Math.max(f.graphCold.peakMiB, f.cold.peakMiB, f.hit.peakMiB).toFixed(0),
        'ours peak MiB': Math.max(r.cold.peakMiB, r.hit.peakMiB, r.publish.peakMiB, r.graphCold.peakMiB).toFixed(0),
        'peak MiB per model, ours': (Math.max(r.cold.peakMiB, r.hit.peakMiB, r.publish.peakMiB, r.graphCold.peakMiB) / r.models).toFixed(3),
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
