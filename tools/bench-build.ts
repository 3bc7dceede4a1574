/**
 * Builds of a generated collection with realistic sizes (default 150 models in
 * 20 families; templates 5-50 KB, some binaries up to 1 MB):
 * cold `nx run-many -t build`, an all-cache-hit re-run, the rebuild after
 * touching one family's common/, and provd's reference way (python3 + one
 * rsync per copy step + `tar cjf` per package) for comparison.
 *   npm run bench:build [-- --models 150 --families 20]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, generatedWorkspace, machine, measure, nxArgs, table } from './bench-lib';

const models = arg('models', 150);
const families = arg('families', 20);
const ws = generatedWorkspace(families, models, true);
const reference = mkdtempSync(join(tmpdir(), 'provd-bench-ref-'));
try {
  const sourceBytes = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? sourceBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
      0
    );
  const build = nxArgs(ws, 'run-many', '-t', 'build', '--outputStyle=static');
  // Warm the project graph first so the rows time builds, not inference.
  measure(ws, nxArgs(ws, 'show', 'projects'));
  const cold = measure(ws, build);
  const hit = measure(ws, build);
  const count = (out: string) => (out.match(/Nx read the output from the cache instead of running the command for (\d+)/)?.[1] ?? '0');
  ws.append('plugins/xivo-gen03/common/templates/base.tpl', '\n<!-- touched -->\n');
  const touched = measure(ws, build);
  const touchedFamily = readdirSync(ws.path('plugins/xivo-gen03')).filter((d) => d !== 'common' && d !== 'common_c' && d !== 'build.py').length;

  const script = `
import json, os, subprocess, sys
ref = sys.argv[1]
for fam in sorted(os.listdir('plugins')):
    out = subprocess.run(['python3', ${JSON.stringify(join(__dirname, '..', 'packages/provd-nx/test/reference_build.py'))}, os.path.join('plugins', fam), os.path.join(ref, 'plugins', fam)], capture_output=True, text=True, check=True).stdout
    for pid, path in json.loads(out).items():
        version = json.load(open(os.path.join(path, 'plugin-info')))['version']
        subprocess.run(['tar', 'cjf', os.path.join(ref, pid + '-' + version + '.tar.bz2'), '-C', os.path.dirname(path), pid], check=True)
`;
  const ref = measure(ws, ['python3', '-c', script, reference]);

  const pkgCount = readdirSync(ws.path('dist/packages')).length;
  console.log(`\nBuild: ${models} models in ${families} families, ${(sourceBytes(ws.path('plugins')) / 2 ** 20).toFixed(1)} MiB of sources, ${pkgCount} packages`);
  console.log(`machine: ${machine()}\n`);
  console.log(
    table([
      { case: 'cold nx run-many -t build', seconds: cold.seconds, 'peak MiB': cold.peakMiB, 'cache hits': count(cold.output) },
      { case: 'all-cache-hit re-run', seconds: hit.seconds, 'peak MiB': hit.peakMiB, 'cache hits': count(hit.output) },
      { case: `one family's common/ touched (${touchedFamily} models)`, seconds: touched.seconds, 'peak MiB': touched.peakMiB, 'cache hits': count(touched.output) },
      { case: 'reference: python3 + rsync per step + tar cjf', seconds: ref.seconds, 'peak MiB': ref.peakMiB, 'cache hits': '-' },
    ])
  );
  console.log(`\ncold build vs reference: ${(ref.seconds / cold.seconds).toFixed(2)}x; cache-hit re-run vs cold: ${(cold.seconds / hit.seconds).toFixed(1)}x faster`);
} finally {
  ws.dispose();
  rmSync(reference, { recursive: true, force: true });
}
