/**
 * Promote: make one channel (stable) carry exactly the bytes another (testing) holds for a
 * family's models, entry for entry. Only what is indexed in `from` can reach `to`; each
 * copy is copyEntry (upload, read back, lock, swap the index, archive what it superseded),
 * so a promote killed at any point leaves both channels verify-clean and a rerun completes.
 * Rolling back is a promote from the archive channel, which has no index: the package
 * `<id>-<version>.tar.bz2` is read back and its own plugin-info becomes the entry.
 */
import * as path from 'node:path';
import { compareVersions } from '../format/provd-version';
import { copyEntry, moveToArchive, publishPackage, type PublishOptions } from './publish';
import { indexEntry, INDEX_FILE, isReferenced, serializeIndex, type ChannelIndex } from '../format/plugins-db';
import { readIndex } from './read-index';
import { readPackageOnce } from './package-cache';
import { formatProblem, verifyChannel, type ChannelProblem } from './verify';
import { withTempDir } from '../fs/temp-dir';
import { packageFileName, packageFileVersion } from '../format/package-name';
import { isVersion } from '../format/provd-version';
import { sha1File } from '../package/read';
import { PLUGIN_INFO } from '../format/plugin-info';
import type { ChannelBackend } from '../repository/backend';
import type { PromoteGate } from './promote-gate';

export type PromoteAction =
  | 'promote'
  | 'promoted'
  | 'already promoted'
  | 'skipped'
  | 'refused'
  | 'orphan'
  | 'prune'
  | 'pruned'
  | 'failed';

export interface PromoteRow {
  model: string;
  /** version `to` holds before (undefined: none) */
  toVersion?: string;
  /** version coming from `from` (undefined: none) */
  fromVersion?: string;
  action: PromoteAction;
  message: string;
}

export interface PromoteRequest {
  /** the family (or model) being promoted, for messages */
  name: string;
  /** the models of the family, from the project graph */
  models: string[];
  /** --models: a subset of `models` */
  only?: string[];
  /** orphans of this family indexed in `to` (ids no model declares any more) */
  orphans?: (indexed: string[]) => string[];
  from: ChannelBackend;
  fromName: string;
  to: ChannelBackend;
  toName: string;
  archive: ChannelBackend;
  /** every channel of the repository, judged by the immutability rule (default: from and the archive) */
  released?: ChannelBackend[];
  /** with from = archive: the version to restore */
  version?: string;
  /** `from` is the archive channel (no index; needs `version`) */
  fromArchive?: boolean;
  dryRun?: boolean;
  allowDowngrade?: boolean;
  prune?: boolean;
  log?: (line: string) => void;
  lockTimeoutMs?: number;
  lockStaleMs?: number;
  /** asked before a package moves: only tested bytes reach `to` (promote-gate.ts) */
  gate?: PromoteGate;
}

export interface PromoteResult {
  rows: PromoteRow[];
  /** problems verify found in `to` afterwards (empty on a dry run) */
  problems: ChannelProblem[];
  ok: boolean;
}

/** The models this request covers, refusing ids that are not models of the family. */
function selectModels(req: PromoteRequest): string[] {
  if (!req.only || req.only.length === 0) {
    if (req.fromArchive) throw new Error(`--from ${req.fromName} restores one model: give --models <id> and --version=<v>`);
    return [...req.models].sort();
  }
  const unknown = req.only.filter((id) => !req.models.includes(id));
  if (unknown.length) throw new Error(`--models: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not models' : 'is not a model'} of ${req.name} (models: ${req.models.join(', ')})`);
  if (req.fromArchive && req.only.length !== 1) throw new Error(`--from ${req.fromName} restores one model at a time: give one id in --models`);
  return [...new Set(req.only)].sort();
}

const versionOf = (index: ChannelIndex, id: string): string | undefined => {
  const v = indexEntry(index, id)?.version;
  return typeof v === 'string' ? v : undefined;
};

/** Plan (and unless dry run, carry out) a promotion; the rows are the plan table. */
export async function promote(req: PromoteRequest): Promise<PromoteResult> {
  const log = req.log ?? (() => undefined);
  const ids = selectModels(req);
  if (req.fromArchive && !req.version) throw new Error(`--from ${req.fromName} needs --version=<v> (the archived version to restore; with "=": nx takes a bare --version for its own and prints its version)`);
  const toIndex = await readIndex(req.to);
  const fromIndex = req.fromArchive ? new Map() : await readIndex(req.from);
  const publishOpts: PublishOptions = {
    archive: req.archive,
    released: req.released ?? [req.from],
    log,
    lockTimeoutMs: req.lockTimeoutMs,
    lockStaleMs: req.lockStaleMs,
    // a rollback goes back on purpose
    allowDowngrade: req.allowDowngrade || req.fromArchive,
  };
  const rows: PromoteRow[] = [];
  for (const id of ids) {
    const toVersion = versionOf(toIndex, id);
    const row = (action: PromoteAction, message: string, fromVersion?: string): PromoteRow => ({ model: id, toVersion, fromVersion, action, message });
    try {
      if (req.fromArchive) {
        rows.push(await restoreArchived(req, id, req.version!, toIndex, publishOpts));
        continue;
      }
      const source = indexEntry(fromIndex, id);
      const fromVersion = versionOf(fromIndex, id);
      if (!source || fromVersion === undefined) {
        rows.push(row('skipped', `${id} is not in ${req.fromName}: publish it first`));
        continue;
      }
      const current = indexEntry(toIndex, id);
      if (current && current.sha1sum === source.sha1sum && current.filename === source.filename) {
        rows.push(row('already promoted', `${id} ${fromVersion} is already promoted to ${req.toName}`, fromVersion));
        continue;
      }
      if (toVersion !== undefined && compareVersions(toVersion, fromVersion) > 0 && !req.allowDowngrade) {
        rows.push(row('refused', `${req.toName} has ${id} ${toVersion}, newer than ${req.fromName}'s ${fromVersion}: --allow-downgrade to go back`, fromVersion));
        continue;
      }
      if (toVersion === fromVersion) {
        rows.push(row('refused', `${req.toName} has ${id} ${toVersion} with other bytes than ${req.fromName}: bump ${id}, publish, then promote`, fromVersion));
        continue;
      }
      if (req.gate) {
        const verdict = await req.gate(id, fromVersion, String(source.sha1sum), { filename: typeof source.filename === 'string' ? source.filename : undefined });
        if (!verdict.ok) {
          rows.push(row('refused', verdict.reason, fromVersion));
          continue;
        }
      }
      if (req.dryRun) {
        rows.push(row('promote', `would promote ${id} ${toVersion ?? '(none)'} -> ${fromVersion}`, fromVersion));
        continue;
      }
      const outcome = await copyEntry(req.from, req.to, id, publishOpts);
      const action: PromoteAction = outcome.status === 'published' ? 'promoted' : outcome.status === 'already-published' ? 'already promoted' : 'refused';
      rows.push(row(action, outcome.message.replace(/^published /, 'promoted '), outcome.version));
    } catch (e) {
      rows.push(row('failed', (e as Error).message));
    }
  }
  const orphanIds = req.orphans ? req.orphans([...toIndex.keys()]) : [];
  rows.push(...(await pruneOrphans(req, orphanIds, toIndex)));
  if (!req.dryRun) await sweepUnreferenced(req, ids);
  const problems = req.dryRun ? [] : await verifyChannel(req.to);
  for (const p of problems) log(`${req.to.location}: ${formatProblem(p)}`);
  const ok = problems.length === 0 && rows.every((r) => r.action !== 'failed' && r.action !== 'refused');
  return { rows, problems, ok };
}

/** Rollback: the archived package of `version` back into `to`; the one it replaces goes to the archive. */
async function restoreArchived(req: PromoteRequest, id: string, version: string, toIndex: ChannelIndex, opts: PublishOptions): Promise<PromoteRow> {
  const toVersion = versionOf(toIndex, id);
  const filename = packageFileName(id, version);
  return withTempDir('provd-channel-', async (tmp) => {
    const file = path.join(tmp, filename);
    if (!(await req.from.download(filename, file))) {
      return { model: id, toVersion, action: 'failed', message: `${req.from.location}/${filename} does not exist: no archived ${id} ${version}` };
    }
    const sha1 = await sha1File(file);
    if (indexEntry(toIndex, id)?.sha1sum === sha1) {
      return { model: id, toVersion, fromVersion: version, action: 'already promoted', message: `${req.toName} already holds ${id} ${version}` };
    }
    if (req.gate) {
      const verdict = await req.gate(id, version, sha1, { file });
      if (!verdict.ok) return { model: id, toVersion, fromVersion: version, action: 'refused', message: verdict.reason };
    }
    if (req.dryRun) {
      return { model: id, toVersion, fromVersion: version, action: 'promote', message: `would restore ${id} ${version} from ${req.fromName}` };
    }
    const info = (await readPackageOnce(file, sha1)).read(`${id}/${PLUGIN_INFO}`);
    if (!info) throw new Error(`${req.from.location}/${filename} holds no ${id}/${PLUGIN_INFO}`);
    // the replaced file may be the archived one's name only if versions match: then nothing moves
    const outcome = await publishPackage(req.to, { pluginId: id, version, packageFile: file, pluginInfoText: info.toString('utf8') }, opts);
    const action: PromoteAction = outcome.status === 'published' ? 'promoted' : outcome.status === 'already-published' ? 'already promoted' : 'refused';
    return { model: id, toVersion, fromVersion: version, action, message: outcome.message.replace(/^published /, 'restored ') };
  });
}

/**
 * Orphans are reported always; with prune their entries leave the index (one atomic
 * write under the lock), then their files move to the archive. Killed between the two,
 * a file stays unreferenced: verify stays clean, and provd never sees it.
 */
async function pruneOrphans(req: PromoteRequest, orphanIds: string[], toIndex: ChannelIndex): Promise<PromoteRow[]> {
  if (orphanIds.length === 0) return [];
  const rows = orphanIds.map((id): PromoteRow => ({
    model: id,
    toVersion: versionOf(toIndex, id),
    action: req.prune ? (req.dryRun ? 'prune' : 'pruned') : 'orphan',
    message: req.prune
      ? `${req.dryRun ? 'would archive' : 'archived'} ${id} from ${req.toName}: no model declares it any more`
      : `${id} is in ${req.toName} but no model declares it any more (--prune archives it)`,
  }));
  if (!req.prune || req.dryRun) return rows;
  await removeEntries(req.to, req.archive, orphanIds, { log: req.log, lockTimeoutMs: req.lockTimeoutMs, lockStaleMs: req.lockStaleMs });
  return rows;
}

/**
 * The id of a package file of an id no model declares: the longest `<id>` of `<id>-<version>.tar.bz2`
 * with a valid version (`acme-pro-9-1.0.0` is acme-pro-9's 1.0.0, never acme-pro's 9-1.0.0).
 */
function orphanFileId(name: string): string | undefined {
  const m = /^(.+)\.tar\.bz2$/.exec(name);
  if (!m) return undefined;
  for (let i = m[1].lastIndexOf('-'); i > 0; i = m[1].lastIndexOf('-', i - 1)) if (isVersion(m[1].slice(i + 1))) return m[1].slice(0, i);
  return undefined;
}

/**
 * A promote killed between its index write and its archive move leaves the file it replaced
 * unreferenced in `to`: a rollback's newer version, a pruned orphan's package. Neither is
 * "superseded" (older than an indexed version), so publish's sweep never reaches them: here,
 * under the lock, every unreferenced package of the promoted models (and with --prune, of the
 * family's orphans) moves to the archive. A publisher's upload in flight caught by this is
 * uploaded again under that publisher's own lock, so nothing is lost.
 */
async function sweepUnreferenced(req: PromoteRequest, ids: string[]): Promise<string[]> {
  // a provd-repo server keeps its channels tidy itself
  if (req.to.copyHere) return [];
  const orphanFile = (name: string): boolean => {
    const id = orphanFileId(name);
    return id !== undefined && !!req.orphans && req.orphans([id]).length > 0;
  };
  const owned = (name: string): boolean => ids.some((id) => packageFileVersion(name, id, req.models) !== null) || (!!req.prune && orphanFile(name));
  const stray = async (): Promise<string[]> => {
    const index = await readIndex(req.to);
    return (await req.to.list()).filter((n) => owned(n) && !isReferenced(index, n));
  };
  if ((await stray()).length === 0) return [];
  const log = req.log ?? (() => undefined);
  const release = await req.to.lock(`promote ${req.name}: archive unreferenced packages`, { timeoutMs: req.lockTimeoutMs, staleMs: req.lockStaleMs, log });
  try {
    const moved: string[] = [];
    await withTempDir('provd-channel-', async (tmp) => {
      for (const name of await stray()) if (await moveToArchive(req.to, req.archive, name, tmp, log)) moved.push(name);
    });
    return moved;
  } finally {
    await release();
  }
}

/** Remove entries from a channel's index under its lock, then archive their files. */
export async function removeEntries(
  channel: ChannelBackend,
  archive: ChannelBackend,
  ids: string[],
  opts: { log?: (line: string) => void; lockTimeoutMs?: number; lockStaleMs?: number } = {},
): Promise<string[]> {
  const log = opts.log ?? (() => undefined);
  const release = await channel.lock(`prune ${ids.join(', ')}`, { timeoutMs: opts.lockTimeoutMs, staleMs: opts.lockStaleMs, log });
  try {
    const index = await readIndex(channel);
    const files: string[] = [];
    for (const id of ids) {
      const f = indexEntry(index, id)?.filename;
      if (typeof f === 'string') files.push(f);
      index.delete(id);
    }
    await channel.writeText(INDEX_FILE, serializeIndex(index));
    const still = new Set([...index.values()].map((e) => (e && typeof e === 'object' && !Array.isArray(e) ? (e as { filename?: unknown }).filename : undefined)));
    const moved: string[] = [];
    await withTempDir('provd-channel-', async (tmp) => {
      for (const f of files) if (!still.has(f) && (await moveToArchive(channel, archive, f, tmp, log))) moved.push(f);
    });
    return moved;
  } finally {
    await release();
  }
}

/** The plan as a table: model, `to -> from` version, action. */
export function formatPromoteTable(rows: PromoteRow[], fromName: string, toName: string): string {
  const header = ['model', `${toName} -> ${fromName}`, 'action'];
  const body = rows.map((r) => [r.model, `${r.toVersion ?? '-'} -> ${r.fromVersion ?? '-'}`, r.action]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
