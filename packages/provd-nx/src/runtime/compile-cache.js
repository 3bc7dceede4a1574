'use strict';
/**
 * Our TypeScript sources, loaded in the processes Nx starts for executors
 * without Nx's transpiler set-up (on Node 20 it loads `typescript` and
 * @swc-node/register and compiles every file again: about 0.25 s per process).
 * Each .ts file under src/ is compiled by @swc/core once and its JavaScript
 * kept in node_modules/.cache/provd-nx/, named by the SHA-1 of the file's path
 * and content and of the compiler's version and options: an edited file gets
 * a new name, so what runs is always what the source says now. Plain
 * JavaScript because it is what loads the TypeScript; used only where the
 * sources are (the published package is compiled).
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const SRC = path.join(__dirname, '..');
// what Nx's transpiler does for us too: CommonJS, TypeScript syntax stripped, no type checking
const OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

let installed = false;
let swc; // @swc/core, loaded on the first file not in the cache only
let cache; // { dir, salt }

/** Load src/**\/*.ts through the cache from now on, in this process. */
function install() {
  if (installed) return;
  installed = true;
  const previous = Module._extensions['.ts'];
  Module._extensions['.ts'] = function loadTs(module, filename) {
    if (!filename.startsWith(SRC + path.sep)) {
      if (previous) return previous(module, filename);
      throw new Error(`${filename}: no loader for TypeScript outside ${SRC}`);
    }
    module._compile(compiled(filename), filename);
  };
}

/** The JavaScript of one source file, from the cache or compiled into it. */
function compiled(filename) {
  const source = fs.readFileSync(filename, 'utf8');
  cache ??= cacheLocation();
  const key = createHash('sha1').update(cache.salt).update(filename).update('\0').update(source).digest('hex');
  const file = path.join(cache.dir, `${key}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // not compiled yet
  }
  swc ??= require('@swc/core');
  const code = swc.transformSync(source, { ...OPTIONS, filename }).code;
  // written whole under a temporary name, then renamed: a concurrent reader never sees half a file
  fs.mkdirSync(cache.dir, { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temp, code);
  fs.renameSync(temp, file);
  return code;
}

/** node_modules/.cache/provd-nx beside the compiler, and what besides a file's content names its output. */
function cacheLocation() {
  const manifest = require.resolve('@swc/core/package.json');
  const version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  return {
    dir: path.join(path.dirname(manifest), '..', '..', '.cache', 'provd-nx'),
    salt: JSON.stringify({ compiler: `@swc/core@${version}`, options: OPTIONS }) + '\0',
  };
}

module.exports = { install, compiled, cacheLocation };
