'use strict';
/**
 * @provd/nx as Nx loads it from the sources (this repository, test workspaces,
 * benchmarks: the `@provd/source` condition). Plain JavaScript, so that Nx does
 * not set up its TypeScript transpiler in the plugin worker (@swc-node/register
 * and @swc/core: about 60 MiB more in a process that peaks near 270 MiB at 2400
 * models); the TypeScript loads through runtime/compile-cache.js, as the executors'
 * does (executors/entry.js). The published package's main is the compiled index.js.
 */
require('./runtime/compile-cache').install();
module.exports = require('./index.ts');
