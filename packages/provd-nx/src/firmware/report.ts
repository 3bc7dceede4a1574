/** The summary a maintainer acts on: problems first, then one table, then the counts. */
import { formatProblem } from './offline';
import { OK_STATUSES, type FirmwareReport, type FirmwareRow } from './check';

function table(rows: FirmwareRow[]): string {
  const header = ['model', 'package', 'file', 'host', 'status', 'what to change'];
  const body = rows.map((r) => [r.model, r.package, r.file, r.host, r.status, r.change || (r.detail ?? '')]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
  return [line(header), line([...widths.map((w) => '-'.repeat(w)), '-'.repeat(14)]), ...body.map(line)].join('\n');
}

export function formatReport(report: FirmwareReport, title: string): string {
  const out: string[] = [];
  if (report.problems.length) {
    out.push(`${title}: ${report.problems.length} problem(s) in pkgs.db:`);
    for (const p of report.problems) out.push(`  ${formatProblem(p)}`);
  }
  if (report.rows.length) {
    out.push('', table(report.rows));
    const details = report.rows.filter((r) => r.detail && !OK_STATUSES.has(r.status));
    if (details.length) {
      out.push('');
      for (const r of details) out.push(`  ${r.pkgsDb} [${r.section}] (${r.model}): ${r.detail}`);
    }
  }
  if (report.fixes.length) {
    out.push('');
    for (const f of report.fixes) out.push(`  ${f.written ? 'rewrote' : f.refused ? 'did not rewrite' : 'would rewrite (dry run)'} ${f.pkgsDb}:${f.line}\n    - ${f.before}\n    + ${f.after}${f.refused ? `\n    ${f.refused}` : ''}`);
  }
  const counts = new Map<string, number>();
  for (const r of report.rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  const { distinct, fetched, fromCache } = report.urls;
  out.push(
    '',
    `${title}: ${report.rows.length} file row(s)${summary ? ` (${summary})` : ''}; ${distinct} distinct URL(s), ${fetched} checked, ${fromCache} from the result cache; ${report.broken ? 'BROKEN' : 'all good'}`
  );
  return out.join('\n').replace(/^\n/, '');
}
