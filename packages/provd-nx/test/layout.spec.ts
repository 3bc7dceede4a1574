/**
 * The layout's import rules, read from the sources (the README's "Layout" section draws the same):
 *  - a folder of packages/provd-nx/src imports only folders on a lower level than its own
 *    (folders on one level do not import each other);
 *  - no import circle between files;
 *  - no relative import across packages: @provd/repo uses @provd/nx by its package name, and
 *    @provd/nx never imports @provd/repo.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Bottom to top. A folder may import its own files and the folders of the levels below it. */
export const LEVELS: readonly (readonly string[])[] = [
  ['format'], // what provd defines: plugin ids, plugin-info, its JSON, versions, package names, plugins.db
  ['fs', 'runtime'], // path and file helpers; PROVD_* variables, plugin options, profile, pool
  ['package', 'rsync', 'sed'], // package files; the native copy and sed steps
  ['recipe'], // build.py recorded
  ['build', 'repository', 'firmware', 'smoke', 'pytest'], // the build pipeline; where channels live; pkgs.db checks; a package in the real provd; a project's pytest tests
  ['channel', 'testing'], // publish, promote, verify, status over repository backends; one project's test (pytest + smoke), its record
  ['version'], // versions from git
  ['release'], // nx release, a model's publish
  ['executors/shared'], // executor glue
  ['executors', 'generators', 'migrations', 'plugins'], // Nx: executors, generators, migrations, graph
  ['(root)'], // index.ts, source-entry.js: the package's doors
];

const PACKAGES = resolve(__dirname, '../..');
const NX_SRC = join(PACKAGES, 'provd-nx', 'src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'files') out.push(...sources(p));
    } else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file names: import/export ... from, import(), require(). */
export function specifiers(text: string): string[] {
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  const found: string[] = [];
  for (const m of text.matchAll(re)) found.push(m[1] ?? m[2] ?? m[3]);
  return found;
}

function resolveFile(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The layout folder of a file of packages/provd-nx/src. */
export function folderOf(file: string): string {
  const parts = relative(NX_SRC, file).split(sep);
  if (parts.length === 1) return '(root)';
  if (parts[0] === 'executors' && parts.length > 2 && parts[1] === 'shared') return 'executors/shared';
  return parts[0];
}

export function levelOf(folder: string): number {
  return LEVELS.findIndex((l) => l.includes(folder));
}

export interface Edge {
  from: string;
  to: string;
}

/** Relative imports between files; problems for what crosses a package or names the other one wrongly. */
export function readGraph(files: readonly string[]): { edges: Edge[]; crossings: string[] } {
  const edges: Edge[] = [];
  const crossings: string[] = [];
  for (const file of files) {
    const pkg = relative(PACKAGES, file).split(sep)[0];
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const where = `${relative(PACKAGES, file)} imports '${spec}'`;
      if (pkg === 'provd-nx' && spec.startsWith('@provd/')) crossings.push(`${where}: @provd/nx does not import a package of ours`);
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (relative(PACKAGES, target).split(sep)[0] !== pkg) {
        crossings.push(`${where}: another package by a relative path (import it by its package name)`);
        continue;
      }
      const to = resolveFile(file, spec);
      if (to) edges.push({ from: file, to });
    }
  }
  return { edges, crossings };
}

/** Imports that climb: from a folder to one on its own level or above (a folder's own files aside). */
export function upwardImports(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    if (!from.startsWith(NX_SRC + sep) || !to.startsWith(NX_SRC + sep)) continue;
    const [a, b] = [folderOf(from), folderOf(to)];
    if (a === b) continue;
    const [la, lb] = [levelOf(a), levelOf(b)];
    if (la < 0) out.push(`${relative(NX_SRC, from)}: folder ${a} has no level in LEVELS`);
    else if (lb < 0) out.push(`${relative(NX_SRC, to)}: folder ${b} has no level in LEVELS`);
    else if (lb >= la) out.push(`${relative(NX_SRC, from)} (${a}) imports ${relative(NX_SRC, to)} (${b})`);
  }
  return out;
}

/** Each import circle once, as the files around it. */
export function circles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  // Tarjan's strongly connected components: a component of more than one file, or a file importing itself
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) found.push(comp.map((f) => relative(PACKAGES, f)).sort());
    }
  };
  for (const v of next.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('layout', () => {
  const pkgs = readdirSync(PACKAGES).filter((p) => statSync(join(PACKAGES, p, 'src'), { throwIfNoEntry: false })?.isDirectory());
  const files = pkgs.flatMap((p) => sources(join(PACKAGES, p, 'src')));
  const { edges, crossings } = readGraph(files);
  // specs may reach test helpers; the rules are about what ships
  const shipped = edges.filter((e) => !/\.spec\.ts$/.test(e.from));

  it('reads the sources of both packages', () => {
    expect(pkgs).toEqual(expect.arrayContaining(['provd-nx', 'provd-repo']));
    expect(shipped.length).toBeGreaterThan(200);
  });

  it('every folder of packages/provd-nx/src has a level', () => {
    const folders = new Set(files.filter((f) => f.startsWith(NX_SRC + sep)).map(folderOf));
    expect([...folders].filter((f) => levelOf(f) < 0)).toEqual([]);
  });

  it('imports only go down', () => {
    expect(upwardImports(shipped)).toEqual([]);
  });

  it('has no import circle', () => {
    expect(circles(shipped)).toEqual([]);
  });

  it('no relative import across packages', () => {
    expect(crossings).toEqual([]);
  });

  // the checks themselves, on made-up edges: each finds what it is there for
  it('finds an upward import, a circle and a crossing', () => {
    const f = (p: string) => join(NX_SRC, p);
    expect(upwardImports([{ from: f('format/plugin-id.ts'), to: f('build/model.ts') }])).toHaveLength(1);
    expect(upwardImports([{ from: f('build/model.ts'), to: f('repository/backend.ts') }])).toHaveLength(1);
    expect(upwardImports([{ from: f('build/model.ts'), to: f('format/plugin-id.ts') }])).toEqual([]);
    expect(circles([{ from: f('a.ts'), to: f('b.ts') }, { from: f('b.ts'), to: f('a.ts') }])).toEqual([['provd-nx/src/a.ts', 'provd-nx/src/b.ts']]);
    expect(specifiers("import type { A } from './a';\nexport { b } from \"../b\";\nconst c = require('./c');")).toEqual(['./a', '../b', './c']);
  });
});
