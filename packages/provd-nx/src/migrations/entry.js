'use strict';
/**
 * The migrations as Nx's migration runner loads them (migrations.json names
 * `entry#<export>`): it `require`s the file it resolves, without setting up a
 * TypeScript transpiler, so from the sources (this repository, test
 * workspaces) the TypeScript loads through runtime/compile-cache.js; in the
 * published package the same require finds the compiled .js.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (existsSync(join(__dirname, 'rename-options.ts'))) require('../runtime/compile-cache').install();

Object.defineProperty(exports, 'renameOptions', { enumerable: true, get: () => require('./rename-options').default });
