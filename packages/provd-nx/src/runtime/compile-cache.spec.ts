/**
 * The executors' loader: TypeScript compiled once per content into
 * node_modules/.cache/provd-nx, never stale (an edit is a new entry), and the
 * executors and the plugin loaded from source without Nx's transpiler set-up (no
 * `typescript`, no @swc-node/register in the process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/temp';

const load = createRequire(__filename);
const cache = load('./compile-cache.js') as {
  compiled(filename: string): string;
  cacheLocation(): { dir: string; salt: string };
};

describe('compile cache', () => {
  const tmp = useTempDir('provd-compile-cache-');

  it('compiles a file once per content: an edit is compiled again, never served stale', () => {
    const file = tmp('answer.ts');
    const stamp = `${process.pid}-${Date.now()}`; // a content no earlier run compiled
    writeFileSync(file, `export const answer: string = 'one ${stamp}';\n`);
    const first = cache.compiled(file);
    expect(first).toContain(`'one ${stamp}'`);
    expect(first).not.toContain(': string');
    expect(cache.compiled(file)).toBe(first);
    writeFileSync(file, `export const answer: string = 'two ${stamp}';\n`);
    const second = cache.compiled(file);
    expect(second).toContain(`'two ${stamp}'`);
    expect(second).not.toContain(`'one ${stamp}'`);
    expect(existsSync(cache.cacheLocation().dir)).toBe(true);
  });

  it('loads every executor from source without typescript or @swc-node/register', () => {
    const entry = join(__dirname, '..', 'executors', 'entry.js');
    const script =
      `const e = require(${JSON.stringify(entry)});\n` +
      'const names = Object.keys(e).filter((n) => typeof e[n] !== "function");\n' +
      'const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](typescript|@swc-node)[\\\\/]/.test(f));\n' +
      'console.log(JSON.stringify({ count: Object.keys(e).length, notFunctions: names, loaded }));\n';
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    // every entry executors.json names, and nothing else
    const named = [...readFileSync(join(__dirname, '..', '..', 'executors.json'), 'utf8').matchAll(/"(?:batchI|i)mplementation": "\.\/src\/executors\/entry#(\w+)"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(10);
    expect(JSON.parse(r.stdout)).toEqual({ count: named.length, notFunctions: [], loaded: [] });
  });

  it('loads the plugin from source as Nx resolves it (the @provd/source condition) without typescript or @swc-node/register', () => {
    const script =
      "const file = require.resolve('@provd/nx');\n" +
      'const p = require(file);\n' +
      'const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](typescript|@swc-node)[\\\\/]/.test(f));\n' +
      'console.log(JSON.stringify({ file: file.split(/[\\\\/]/).slice(-2).join("/"), createNodes: Array.isArray(p.createNodes), createDependencies: typeof p.createDependencies, loaded }));\n';
    const r = spawnSync(process.execPath, ['--conditions=@provd/source', '-e', script], { encoding: 'utf8', cwd: join(__dirname, '..', '..', '..', '..'), env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file: 'src/source-entry.js', createNodes: true, createDependencies: 'function', loaded: [] });
  });
});
