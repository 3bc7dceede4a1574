/**
 * After a run with test tasks: one table, one row per tested project (cache hits included,
 * read from the records Nx restored), and the same rows as JSON for scripts.
 */
import type { TestRecord } from './record';

export interface TestSummaryRow {
  project: string;
  ok: boolean;
  /** how Nx ran it: success, failure, local-cache, remote-cache... */
  status: string;
  pytestPassed: number;
  pytestFailed: number;
  devices: number | null;
  files: number | null;
  snapshotsWritten: number;
  snapshotsChanged: number;
  snapshotsObsolete: number;
  problems: string[];
}

export function summaryRow(record: TestRecord | undefined, project: string, status: string): TestSummaryRow {
  const pytest = record && record.pytest !== 'skipped' ? record.pytest : undefined;
  const smoke = record?.smoke && record.smoke !== 'skipped' ? record.smoke : undefined;
  return {
    project,
    ok: !!record?.ok && !/fail/.test(status),
    status,
    pytestPassed: pytest?.counts.passed ?? 0,
    pytestFailed: (pytest?.counts.failed ?? 0) + (pytest?.counts.error ?? 0),
    devices: smoke ? smoke.devices : null,
    files: smoke ? smoke.files : null,
    snapshotsWritten: smoke?.written.length ?? 0,
    snapshotsChanged: smoke?.changed.length ?? 0,
    snapshotsObsolete: smoke?.obsolete.length ?? 0,
    problems: record ? [...record.problems, ...(pytest?.problems ?? []), ...(smoke?.errors.map((e) => e.split('\n')[0]) ?? [])] : [`no test record (${status})`],
  };
}

/** model | result | tests passed/failed | devices rendered | snapshot changes */
export function formatTestTable(rows: TestSummaryRow[]): string {
  const header = ['project', 'result', 'pytest passed/failed', 'devices (files)', 'snapshots'];
  const body = [...rows].sort((a, b) => a.project.localeCompare(b.project)).map((r) => [
    r.project,
    `${r.ok ? 'passed' : 'FAILED'}${/cache/.test(r.status) ? ' (cache)' : ''}`,
    `${r.pytestPassed}/${r.pytestFailed}`,
    r.devices === null ? '-' : `${r.devices} (${r.files})`,
    snapshots(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function snapshots(r: TestSummaryRow): string {
  if (r.devices === null) return '-';
  const parts = [
    r.snapshotsWritten ? `${r.snapshotsWritten} written` : '',
    r.snapshotsChanged ? `${r.snapshotsChanged} ${r.ok ? 'updated' : 'differ'}` : '',
    r.snapshotsObsolete ? `${r.snapshotsObsolete} obsolete` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'unchanged';
}

