/**
 * The test target's part of the run hooks: before tasks, the hash of the provd code the tests
 * will run against (an env input of every test task, so a new provd retests and a moved
 * folder does not); after them, one table of every test task, cache hits included.
 */
import type { PostTasksExecutionContext, PreTasksExecutionContext } from '@nx/devkit';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProvdPluginOptions, normalizeOptions } from '../runtime/options';
import { PROVD_ENV } from '../runtime/env';
import { provdPythonPath } from '../runtime/provd-python-path';
import { readRecord } from '../testing/record';
import { formatTestTable, summaryRow, TestSummaryRow } from '../testing/summary';
import { hookLog } from './hook-output';

export const TEST_TARGET = 'test';

/** Only runs naming a test target pay for hashing provd's code. */
function mentionsTest(argv: string[]): boolean {
  return argv.some((a) => /(^|[=,:\s])test($|[,\s])/.test(a));
}

export function setProvdFingerprint(options: ProvdPluginOptions | undefined, context: PreTasksExecutionContext): void {
  if (!mentionsTest(context.argv)) {
    process.env[PROVD_ENV.provdFingerprint] = '';
    return;
  }
  const pythonPath = provdPythonPath(normalizeOptions(options).provdPythonPath, context.workspaceRoot);
  // loaded here, not with the plugin: only runs with a test task pay for it (fast-glob and the probe)
  const { provdFingerprint } = require('../smoke/provd-python') as typeof import('../smoke/provd-python');
  process.env[PROVD_ENV.provdFingerprint] = provdFingerprint(pythonPath);
}

/** The rows of this run's test tasks: those that left a record (ours), in Nx's order. */
export function testSummaryRows(options: ProvdPluginOptions | undefined, context: Pick<PostTasksExecutionContext, 'taskResults' | 'workspaceRoot'>): TestSummaryRow[] {
  const { distDir } = normalizeOptions(options);
  const rows: TestSummaryRow[] = [];
  for (const result of Object.values(context.taskResults)) {
    const { project, target } = result.task.target;
    if (target !== TEST_TARGET) continue;
    const record = readRecord(context.workspaceRoot, distDir, project);
    if (!record) continue;
    // a task Nx skipped (its build failed) must not show the record of an earlier run
    rows.push(summaryRow(result.status === 'skipped' ? undefined : record, project, String(result.status)));
  }
  return rows;
}

export function printTestSummary(options: ProvdPluginOptions | undefined, context: PostTasksExecutionContext): void {
  const rows = testSummaryRows(options, context);
  if (rows.length === 0) return;
  const file = resolve(context.workspaceRoot, normalizeOptions(options).distDir, '.provd', 'test-summary.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
  if (context.argv.some((a) => a === '--json' || a === '--json=true')) {
    hookLog(JSON.stringify(rows, null, 2));
    return;
  }
  const failed = rows.filter((r) => !r.ok);
  hookLog(`\n provd test summary (${rows.length - failed.length} passed, ${failed.length} failed)\n\n${formatTestTable(rows)}\n`);
  for (const r of failed) for (const p of r.problems.slice(0, 5)) hookLog(` ${r.project}: ${p}`);
}
