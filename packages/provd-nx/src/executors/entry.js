'use strict';
/**
 * The executors as Nx loads them (executors.json names `entry#<export>`).
 * Plain JavaScript, so that Nx does not set up its TypeScript transpiler in
 * each process it starts for a task or a batch: from the sources (this
 * repository, test workspaces) the executors' TypeScript is loaded through
 * runtime/compile-cache.js; in the published package the same requires find the
 * compiled executor.js files. Each executor loads only when Nx asks for it.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (existsSync(join(__dirname, 'build', 'executor.ts'))) require('../runtime/compile-cache').install();

/** export name -> [executor folder, its export] */
const EXECUTORS = {
  release: ['release', 'default'],
  batchRelease: ['release', 'batchRelease'],
  build: ['build', 'default'],
  batchBuild: ['build', 'batchBuild'],
  version: ['version', 'default'],
  batchVersion: ['version', 'batchVersion'],
  publish: ['publish', 'default'],
  batchPublish: ['publish', 'batchPublish'],
  verify: ['verify', 'default'],
  promote: ['promote', 'default'],
  status: ['status', 'default'],
  initRepository: ['init-repository', 'default'],
  checkFirmware: ['check-firmware', 'default'],
  batchCheckFirmware: ['check-firmware', 'batchCheckFirmware'],
  fail: ['fail', 'default'],
  test: ['test', 'default'],
  batchTest: ['test', 'batchTest'],
};

for (const [name, [folder, exported]] of Object.entries(EXECUTORS)) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => require(`./${folder}/executor`)[exported] });
}
