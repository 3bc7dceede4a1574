'use strict';
/**
 * One measured check-firmware run for tools/bench-firmware.ts, in its own process so that
 * its peak RSS is its own: our TypeScript through the compile cache (as Nx's task
 * processes load it), no transpiler in memory once the cache is warm.
 * argv: <request.json>; prints one JSON line.
 */
const { readFileSync } = require('node:fs');
require('../packages/provd-nx/src/runtime/compile-cache').install();
const { checkFirmware } = require('../packages/provd-nx/src/firmware/check.ts');

const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const started = process.hrtime.bigint();
checkFirmware({ models: req.models, families: new Map(Object.entries(req.families)) }, req.options).then(
  (report) => {
    const counts = {};
    for (const r of report.rows) counts[r.status] = (counts[r.status] || 0) + 1;
    process.stdout.write(
      JSON.stringify({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        problems: report.problems.length,
        rows: report.rows.length,
        counts,
        urls: report.urls,
      }) + '\n'
    );
  },
  (e) => {
    process.stderr.write(String((e && e.stack) || e) + '\n');
    process.exit(1);
  }
);
