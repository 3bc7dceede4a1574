/**
 * Nx's own floor for a collection: a clone of the benchmark workspace where a
 * ten-line plugin infers the same projects (each family, its shared folders,
 * each model) with one cached `nx:noop` build target and nothing else. What
 * Nx costs there (time, memory of its main process) bounds what ours can
 * reach on the same collection, whatever our plugin does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkspace } from '../packages/provd-nx/test/workspace';
import { measure, Measure, nxArgs } from './bench-lib';

export const FLOOR_PLUGIN = `
const { existsSync, readdirSync } = require('fs');
const { join } = require('path');
exports.createNodesV2 = ['plugins/*/build.py', (files, _options, context) => files.map((file) => {
  const family = file.slice(0, -'/build.py'.length);
  const name = family.split('/').pop();
  const projects = { [family]: { name, targets: {} } };
  for (const d of readdirSync(join(context.workspaceRoot, family), { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const root = family + '/' + d.name;
    projects[root] = existsSync(join(context.workspaceRoot, root, 'plugin-info'))
      ? { name: name + '-' + d.name, implicitDependencies: [name], targets: { build: { executor: 'nx:noop', cache: true, inputs: ['{projectRoot}/**/*'] } } }
      : { name: name + '/' + d.name, targets: {} };
  }
  return [file, { projects }];
})];
`;

export interface Floor {
  projects: number;
  graphCold: Measure;
  /** first run: every task hashed and run */
  cold: Measure;
  /** second run: every task a cache hit */
  hit: Measure;
}

export function nxFloor(ws: TestWorkspace): Floor {
  const root = mkdtempSync(join(tmpdir(), 'provd-bench-floor-'));
  try {
    execFileSync('git', ['clone', '-q', ws.root, root]);
    symlinkSync(ws.path('node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'floor-plugin.js'), FLOOR_PLUGIN);
    writeFileSync(join(root, 'nx.json'), JSON.stringify({ plugins: ['./floor-plugin.js'] }, null, 2));
    const floor = new TestWorkspace(root);
    floor.commit('the floor plugin instead of @provd/nx');
    const graphCold = measure(floor, nxArgs(floor, 'show', 'projects'));
    const projects = graphCold.output.trim().split('\n').length;
    const build = nxArgs(floor, 'run-many', '-t', 'build', '--outputStyle=static');
    return { projects, graphCold, cold: measure(floor, build), hit: measure(floor, build) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
