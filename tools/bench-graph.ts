/**
 * Project-graph creation for a generated collection (default 150 models in 20
 * families): cold (no Nx or plugin cache) and cached, median of --runs runs.
 *   npm run bench:graph [-- --models 150 --families 20 --runs 5]
 */
import { rmSync } from 'node:fs';
import { arg, generatedWorkspace, machine, measure, median, nxArgs, table } from './bench-lib';

const models = arg('models', 150);
const families = arg('families', 20);
const runs = arg('runs', 5);
const ws = generatedWorkspace(families, models, false);
try {
  const graph = nxArgs(ws, 'graph', '--file=graph.json');
  type Sample = { total: number; plugin: number; mem: number };
  const samples: Record<'cold' | 'cached' | 'one', Sample[]> = { cold: [], cached: [], one: [] };
  // NX_PERF_LOGGING prints how long our createNodes/createDependencies took inside the plugin worker
  const run = (kind: keyof typeof samples) => {
    const m = measure(ws, graph, { NX_PERF_LOGGING: 'true' });
    const ms = (label: string) =>
      Number(m.output.match(new RegExp(`Time taken for '${label}' ([\\d.]+)ms`))?.[1] ?? NaN);
    samples[kind].push({
      total: m.seconds,
      plugin: (ms('@provd/nx:createNodes') + ms('@provd/nx:createDependencies')) / 1000,
      mem: m.peakMiB,
    });
  };
  for (let i = 0; i < runs; i++) {
    rmSync(ws.path('.nx'), { recursive: true, force: true });
    run('cold');
    run('cached');
    // one family's recipe changed: only that family is recorded again
    ws.append('plugins/xivo-gen00/build.py', `\n# run ${i}\n`);
    run('one');
  }
  const row = (label: string, xs: Sample[]) => ({
    case: label,
    'nx graph, s': median(xs.map((x) => x.total)),
    'our createNodes+deps, s': median(xs.map((x) => x.plugin)),
    'peak MiB': median(xs.map((x) => x.mem)),
  });
  // the python step alone: one python3 process recording all families
  const py = measure(ws, ['python3', '-c', `import json,subprocess,glob,time
req=json.dumps({"mode":"record","families":sorted(glob.glob("plugins/*"))})
t=time.monotonic()
subprocess.run(["python3","${require.resolve('../packages/provd-nx/src/recipe/recipe.py')}"],input=req,text=True,capture_output=True,check=True)
print("inner", time.monotonic()-t)`]);
  const pySeconds = Number(py.output.match(/inner ([\d.]+)/)![1]);
  const projects = JSON.parse(require('node:fs').readFileSync(ws.path('graph.json'), 'utf8')).graph.nodes;
  console.log(`\nProject graph: ${models} models in ${families} families (${Object.keys(projects).length} projects), ${runs} runs, median`);
  console.log(`machine: ${machine()}\n`);
  console.log(
    table([
      row('cold (no Nx cache, no plugin cache)', samples.cold),
      row('cached (nothing changed)', samples.cached),
      row('one build.py changed', samples.one),
      { case: 'of which python3 recording, all families', 'nx graph, s': '-', 'our createNodes+deps, s': pySeconds, 'peak MiB': py.peakMiB },
    ])
  );
  console.log('\nThe rest of `nx graph` is Nx itself: starting plugin workers and loading code, the same with or without @provd/nx.');
} finally {
  ws.dispose();
}
