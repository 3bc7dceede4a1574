/**
 * The release status of models: one row per model (and per orphan) with the version the
 * source, testing and stable carry, whether it needs a bump (its built package differs
 * from the one testing holds under the same version), whether testing differs from
 * stable (ready to promote), and orphans (in a channel, no model declares them any more).
 */
import { indexEntry, type ChannelIndex } from '../format/plugins-db';
import { readIndex } from './read-index';
import { needsBump, releaseState } from './release-state';
import type { ChannelBackend } from '../repository/backend';

export interface StatusModel {
  pluginId: string;
  /** the version in the source's plugin-info */
  version: string;
  /** the package the current sources build (dist/packages), if built */
  builtPackage?: string;
}

export interface StatusRow {
  model: string;
  source: string | null;
  testing: string | null;
  stable: string | null;
  /** null: unknown (not built, or the channel unreadable) */
  needsBump: boolean | null;
  readyToPromote: boolean;
  orphan: boolean;
}

export interface StatusRequest {
  models: StatusModel[];
  /** which ids indexed in a channel are this scope's orphans */
  orphans: (indexed: string[]) => string[];
  testing: ChannelBackend;
  stable: ChannelBackend;
  digestCache: string;
}

const versionIn = (index: ChannelIndex, id: string): string | null => {
  const v = indexEntry(index, id)?.version;
  return typeof v === 'string' ? v : null;
};

export async function collectStatus(req: StatusRequest): Promise<StatusRow[]> {
  const [testing, stable] = await Promise.all([readIndex(req.testing), readIndex(req.stable)]);
  const ready = (id: string) => {
    const t = indexEntry(testing, id);
    return !!t && t.sha1sum !== indexEntry(stable, id)?.sha1sum;
  };
  const rows: StatusRow[] = [];
  for (const m of [...req.models].sort((a, b) => a.pluginId.localeCompare(b.pluginId))) {
    let bump: boolean | null = null;
    if (m.builtPackage) {
      try {
        bump = needsBump(await releaseState(req.testing, m.pluginId, m.version, m.builtPackage, req.digestCache));
      } catch {
        bump = null;
      }
    }
    rows.push({ model: m.pluginId, source: m.version, testing: versionIn(testing, m.pluginId), stable: versionIn(stable, m.pluginId), needsBump: bump, readyToPromote: ready(m.pluginId), orphan: false });
  }
  const orphanIds = new Set(req.orphans([...new Set([...testing.keys(), ...stable.keys()])]));
  for (const id of [...orphanIds].sort()) {
    rows.push({ model: id, source: null, testing: versionIn(testing, id), stable: versionIn(stable, id), needsBump: false, readyToPromote: ready(id), orphan: true });
  }
  return rows;
}

export function formatStatusTable(rows: StatusRow[]): string {
  const yes = (b: boolean | null) => (b === null ? '?' : b ? 'yes' : '-');
  const header = ['model', 'source', 'testing', 'stable', 'needs bump', 'ready to promote', 'orphan'];
  const body = rows.map((r) => [r.model, r.source ?? '-', r.testing ?? '-', r.stable ?? '-', yes(r.needsBump), yes(r.readyToPromote), yes(r.orphan)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
