#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
// Published, src/cli.js is compiled. In this repository the TypeScript runs through @swc-node/register,
// reading this package's tsconfig so that its paths point @provd/nx at its sources too.
if (!existsSync(join(__dirname, '..', 'src', 'cli.js'))) {
  process.env.SWC_NODE_PROJECT ??= join(__dirname, '..', 'tsconfig.json');
  require('@swc-node/register');
}
require('../src/cli').main(process.argv.slice(2));
