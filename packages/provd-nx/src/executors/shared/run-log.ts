import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provdEnv } from '../../runtime/env';

/**
 * Tasks of one nx run append what they did here; the plugin's
 * postTasksExecution hook prints it as one table at the end of the run.
 * PROVD_RUN_LOG is set by the preTasksExecution hook.
 */
export interface RunRecord {
  task: 'version' | 'publish' | 'promote';
  pluginId: string;
  from?: string;
  to?: string;
  status: string;
  detail?: string;
  /** the plugin-info a version task read or wrote (workspace-relative) */
  file?: string;
  /** the task was asked to commit its bump (version --commit) */
  commit?: boolean;
}

/** The log of one nx run (Nx gives pre- and post-task hooks the same run id). */
export function runLogFile(runId: string): string {
  return join(tmpdir(), `provd-run-${runId}.jsonl`);
}

export function recordRun(record: RunRecord): void {
  const file = provdEnv('runLog');
  if (file) appendFileSync(file, JSON.stringify(record) + '\n');
}

function records(file: string | undefined): RunRecord[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunRecord);
}

/** Read and remove a run's log (at the end of the run). */
export function readRunLog(file: string): RunRecord[] {
  const all = records(file);
  rmSync(file, { force: true });
  return all;
}

/** The version a dry-run version task of this run would have written for a model, if any. */
export function plannedVersion(pluginId: string): string | undefined {
  return records(provdEnv('runLog')).find((r) => r.task === 'version' && r.pluginId === pluginId && r.status === 'would bump')?.to;
}

/** One row per model: its version move and what publish/promote did with it. */
export function summaryTable(records: RunRecord[]): string | null {
  if (records.length === 0) return null;
  const rows = new Map<string, { model: string; version: string; version_step: string; release: string }>();
  for (const r of records) {
    const row = rows.get(r.pluginId) ?? { model: r.pluginId, version: '', version_step: '', release: '' };
    if (r.task === 'version') {
      row.version_step = r.status;
      row.version = r.to && r.to !== r.from ? `${r.from} -> ${r.to}` : r.from ?? '';
    } else {
      row.release = r.detail ? `${r.status} (${r.detail})` : r.status;
      if (!row.version) row.version = r.to ?? r.from ?? '';
    }
    rows.set(r.pluginId, row);
  }
  const header = ['model', 'version', 'version step', 'release'];
  const body = [...rows.values()].sort((a, b) => a.model.localeCompare(b.model)).map((r) => [r.model, r.version, r.version_step || '-', r.release || '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
