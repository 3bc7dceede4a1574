#!/usr/bin/env node
// Runs the TypeScript sources directly, like the rest of the workspace.
require('@swc-node/register');
require('../src/cli').main(process.argv.slice(2));
