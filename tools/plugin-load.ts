/**
 * What loading the Nx plugin costs, against Nx's floor (tools/nx-floor.ts's ten-line
 * plugin), in figures a loaded machine does not move much:
 *
 *   npm run bench:plugin-load [-- --runs 5]
 *
 * 1. In a fresh node process that has already loaded what Nx's plugin worker loads
 *    (nx's devkit exports and internals), `require` each plugin: modules loaded
 *    (ours, and packages such as @nx/devkit, semver, fast-glob), bytes of JavaScript
 *    read, CPU ms (median of --runs processes). Counts are exact; CPU ms vary little.
 * 2. `nx show projects` (graph cached) in a small Wazo-shaped workspace with each plugin:
 *    Nx's own 'Load Nx Plugin: <plugin>' timer (NX_PERF_LOGGING), median of --runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../packages/provd-nx/test/repo-root';
import { createWorkspace } from '../packages/provd-nx/test/workspace';
import { arg, machine, measure, median, nxArgs, table } from './bench-lib';
import { FLOOR_PLUGIN } from './nx-floor';
import { wazoCollection } from './wazo-collection';

const runs = arg('runs', 5);

const PROBE = `
require('nx/src/devkit-exports');
require('nx/src/devkit-internals');
const fs = require('fs');
const before = new Set(Object.keys(require.cache));
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const plugin = require(process.argv[1]);
if (!plugin.createNodes && !plugin.createNodesV2) throw new Error('no createNodes');
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(c0);
const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
const groups = {};
let bytes = 0;
for (const k of loaded) {
  try { bytes += fs.statSync(k).size; } catch {}
  const m = k.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/);
  const g = k.includes('/packages/provd-nx/') || k.includes('/provd-nx/src/') ? 'ours' : m ? m[1] : 'other';
  groups[g] = (groups[g] || 0) + 1;
}
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, modules: loaded.length, bytes, groups }));
`;

interface Load {
  ms: number;
  cpuMs: number;
  modules: number;
  bytes: number;
  groups: Record<string, number>;
}

function requireCost(target: string, conditions: string[] = []): Load[] {
  const out: Load[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [...conditions.map((c) => `--conditions=${c}`), '-e', PROBE, target], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading ${target} failed:\n${r.stderr}`);
    out.push(JSON.parse(r.stdout));
  }
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'provd-plugin-load-'));
try {
  const floorFile = join(scratch, 'floor-plugin.js');
  writeFileSync(floorFile, FLOOR_PLUGIN);
  const built = join(REPO_ROOT, 'dist', 'npm', 'provd-nx', 'src', 'index.js');
  const variants: Array<[string, string, string[]]> = [
    ["Nx's floor (tools/nx-floor.ts)", floorFile, []],
    ['@provd/nx from source (compile cache)', '@provd/nx', ['@provd/source']],
    ...(existsSync(built) ? ([['@provd/nx as published (nx run @provd/nx:build)', built, []]] as Array<[string, string, string[]]>) : []),
  ];
  console.log(`machine: ${machine()}; load average ${require('node:fs').readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
  console.log(`require() after nx's own code is loaded, median of ${runs} processes:\n`);
  console.log(
    table(
      variants.map(([name, target, conditions]) => {
        const loads = requireCost(target, conditions);
        const g = loads[0].groups;
        const others = Object.entries(g)
          .filter(([k]) => k !== 'ours')
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ');
        return {
          plugin: name,
          'modules loaded': String(loads[0].modules),
          ours: String(g.ours ?? 0),
          'other packages (modules)': others || '-',
          'KB of JavaScript': (loads[0].bytes / 1024).toFixed(0),
          'CPU ms': median(loads.map((l) => l.cpuMs)).toFixed(0),
          'wall ms': median(loads.map((l) => l.ms)).toFixed(0),
        };
      })
    )
  );

  // Nx's own timer, in a real graph computation (graph cached: loading dominates)
  const collection = wazoCollection(20);
  const ws = createWorkspace({ files: collection.files });
  const floorWs = createWorkspace({ files: { ...collection.files, 'floor-plugin.js': FLOOR_PLUGIN, 'nx.json': JSON.stringify({ plugins: ['./floor-plugin.js'] }) } });
  try {
    const timer = (w: typeof ws, name: string) => {
      measure(w, nxArgs(w, 'show', 'projects'));
      const samples: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const m = measure(w, nxArgs(w, 'show', 'projects'), { NX_PERF_LOGGING: 'true' });
        samples.push(Number(m.output.match(new RegExp(`Time taken for 'Load Nx Plugin: ${name.replace(/[./]/g, '\\$&')}' ([\\d.]+)ms`))?.[1] ?? NaN));
        cpu.push(m.cpuSeconds);
      }
      return { load: median(samples), cpu: median(cpu) };
    };
    const ours = timer(ws, '@provd/nx');
    const floor = timer(floorWs, './floor-plugin.js');
    console.log(`\n'Load Nx Plugin' (NX_PERF_LOGGING) in \`nx show projects\`, graph cached, 20 models, median of ${runs}:\n`);
    console.log(
      table([
        { plugin: "Nx's floor (tools/nx-floor.ts)", 'Load Nx Plugin, ms': floor.load.toFixed(0), 'whole command CPU s': floor.cpu.toFixed(2) },
        { plugin: '@provd/nx', 'Load Nx Plugin, ms': ours.load.toFixed(0), 'whole command CPU s': ours.cpu.toFixed(2) },
      ])
    );
  } finally {
    ws.dispose();
    floorWs.dispose();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
