/**
 * check-firmware as a library: the offline checks, then each distinct URL once (links),
 * each file fetched whole (download), each package's recipe run by xivo-fetchfw (install),
 * and the rows of the summary. Nx-free; the executor only gathers the pkgs.db files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkPkgsDbFiles, savedName, type FirmwareProblem, type OfflineResult } from './offline';
import { createHash } from 'node:crypto';
import { checkLink, type LinkResult, type LinkStatus } from './links';
import { downloadFile, storedFile, type DownloadResult } from './download';
import { HostLimiter } from './limiter';
import { ResultCache } from './result-cache';
import { installPackage } from './install';
import { applyUrlFixes, type FixOutcome, type UrlFix } from './fix';
import { locateKey } from './locate';
import { PKGS_DB_SCRIPT, type FileEntry, type PkgsDb } from './pkgs-db';
import { runPool } from '../runtime/pool';

export type FirmwareMode = 'offline' | 'links' | 'download' | 'install';

export type RowStatus =
  | 'ok'
  | 'supplied by hand'
  | 'moved'
  | 'size changed'
  | 'checksum changed'
  | 'install failed'
  | 'invalid'
  | 'gone'
  | 'http error'
  | 'server error'
  | 'dns'
  | 'tls'
  | 'connection'
  | 'timeout'
  | 'bad response';

export const OK_STATUSES: ReadonlySet<RowStatus> = new Set(['ok', 'supplied by hand']);

export interface FirmwareRow {
  model: string;
  /** the package id, '-' for a file no package uses */
  package: string;
  /** the file id ([file_<id>]) */
  file: string;
  host: string;
  url: string;
  status: RowStatus;
  /** what to change, for a person (or --fix) */
  change: string;
  detail?: string;
  /** workspace-relative pkgs.db */
  pkgsDb: string;
  section: string;
}

export interface ModelFirmware {
  model: string;
  family: string;
  /** absolute path of the model's pkgs.db */
  pkgsDb: string;
}

export interface CheckFirmwareOptions {
  /** the workspace root: files are shown relative to it */
  root: string;
  mode: FirmwareMode;
  /** where results (and, for --install, files) are kept between tasks and runs */
  cacheDir: string;
  /** a links result younger than this is reused (seconds) */
  maxAgeSeconds: number;
  timeoutSeconds: number;
  retries: number;
  backoffMs: number;
  concurrency: number;
  perHost: number;
  /** [prefix, replacement]: fetch `prefix...` from `replacement...` (a mirror, a local test server) */
  mirrors: [string, string][];
  pythonPath?: string;
  fix: boolean;
  dryRun: boolean;
  /** stop a download past this many bytes */
  maxBytes: number;
}

export interface FirmwareReport {
  problems: FirmwareProblem[];
  rows: FirmwareRow[];
  fixes: FixOutcome[];
  urls: { distinct: number; fetched: number; fromCache: number };
  broken: boolean;
}

/** How long a failed link check (time-out, connection, 5xx) is reused: the tasks of one run, not the next run. */
const TRANSIENT_MS = 10 * 60_000;

export function mapUrl(url: string, mirrors: [string, string][], back = false): string {
  for (const [from, to] of mirrors) {
    const [a, b] = back ? [to, from] : [from, to];
    if (url.startsWith(a)) return b + url.slice(a.length);
  }
  return url;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '-';
  }
}

const LINK_ROW: Record<LinkStatus, RowStatus> = {
  ok: 'ok',
  gone: 'gone',
  'http-error': 'http error',
  'server-error': 'server error',
  dns: 'dns',
  tls: 'tls',
  connection: 'connection',
  timeout: 'timeout',
  'bad-response': 'bad response',
};

/** The families' pkgs.db files the offline check reads (the family check needs them all). */
export interface FirmwareScope {
  models: ModelFirmware[];
  /** family -> every pkgs.db of the family */
  families: Map<string, string[]>;
}

/**
 * The offline checks, reused while no pkgs.db (nor the script reading them, nor the family
 * grouping) changed: a scheduled links run should not pay a python3 start for nothing.
 */
async function cachedOffline(files: string[], familyOf: Map<string, string>, opts: CheckFirmwareOptions): Promise<OfflineResult> {
  const key = createHash('sha1').update(readFileSync(PKGS_DB_SCRIPT)).update(opts.root).update(opts.pythonPath ?? '');
  for (const f of [...files].sort()) {
    key.update(`\0${f}\0${familyOf.get(f)}\0`);
    try {
      key.update(readFileSync(f));
    } catch {
      key.update('\0missing');
    }
  }
  const cache = new ResultCache<OfflineResult>(join(opts.cacheDir, 'offline'), { fresh: () => true, staleMs: 120_000 });
  const { value } = await cache.get(key.digest('hex'), () => checkPkgsDbFiles(files, { pythonPath: opts.pythonPath, root: opts.root, familyOf: (f) => familyOf.get(f)! }));
  return value;
}

export async function checkFirmware(scope: FirmwareScope, opts: CheckFirmwareOptions): Promise<FirmwareReport> {
  const familyOfFile = new Map<string, string>();
  for (const [family, files] of scope.families) for (const f of files) familyOfFile.set(f, family);
  for (const m of scope.models) if (!familyOfFile.has(m.pkgsDb)) familyOfFile.set(m.pkgsDb, m.family);
  const allFiles = [...familyOfFile.keys()];
  const offline = await cachedOffline(allFiles, familyOfFile, opts);
  const mine = new Set(scope.models.map((m) => relative(opts.root, m.pkgsDb)));
  const problems = offline.problems.filter((p) => mine.has(p.file));
  const report: FirmwareReport = { problems, rows: [], fixes: [], urls: { distinct: 0, fetched: 0, fromCache: 0 }, broken: problems.length > 0 };
  if (opts.mode === 'offline') return report;

  const dbOf = new Map(offline.dbs.map((db) => [db.file, db]));
  const timeoutMs = opts.timeoutSeconds * 1000;
  const limiter = new HostLimiter(opts.concurrency, opts.perHost);
  const linkCache = new ResultCache<LinkResult>(join(opts.cacheDir, 'links'), {
    // an answer is kept for maxAge; a failure to get one (time-out, connection, 5xx) for a run's length at most
    fresh: (r) => {
      const age = Date.now() - r.checkedAt;
      return age < opts.maxAgeSeconds * 1000 && (['ok', 'gone', 'http-error'].includes(r.status) || age < TRANSIENT_MS);
    },
    staleMs: 60_000,
  });
  const downloadCache = new ResultCache<DownloadResult>(join(opts.cacheDir, 'downloads'), { fresh: () => true, staleMs: 60_000 });
  const store = join(opts.cacheDir, 'files');

  const link = async (url: string): Promise<LinkResult> => {
    const fetchUrl = mapUrl(url, opts.mirrors);
    const { value, cached } = await linkCache.get(fetchUrl, () =>
      limiter.run(hostOf(fetchUrl), () => checkLink(fetchUrl, { timeoutMs, retries: opts.retries, backoffMs: opts.backoffMs }))
    );
    if (cached) report.urls.fromCache++;
    else report.urls.fetched++;
    return value;
  };
  const download = async (url: string, linkResult: LinkResult): Promise<DownloadResult> => {
    const fetchUrl = mapUrl(url, opts.mirrors);
    // unchanged on the server (same validator, same size) and still stored if --install needs it
    const unchanged = (d: DownloadResult) =>
      d.status === 'ok' &&
      d.size === linkResult.contentLength &&
      ((!!d.etag && d.etag === linkResult.etag) || (!!d.lastModified && d.lastModified === linkResult.lastModified)) &&
      (opts.mode !== 'install' || existsSync(storedFile(store, d.sha1!)));
    const { value } = await downloadCache.get(
      `${fetchUrl}`,
      () =>
        limiter.run(hostOf(fetchUrl), () =>
          downloadFile(fetchUrl, { timeoutMs, retries: opts.retries, backoffMs: opts.backoffMs, maxBytes: opts.maxBytes, store: opts.mode === 'install' ? store : undefined })
        ),
      unchanged
    );
    return value;
  };

  interface Entry {
    model: ModelFirmware;
    db: PkgsDb;
    file: FileEntry;
    pkgs: string[];
    invalid: boolean;
  }
  const entries: Entry[] = [];
  for (const model of scope.models) {
    const db = dbOf.get(model.pkgsDb);
    if (!db) continue;
    const shown = relative(opts.root, model.pkgsDb);
    const bad = new Set(problems.filter((p) => p.file === shown && p.section).map((p) => p.section));
    for (const file of db.files) {
      const pkgs = db.pkgs.filter((p) => p.files.includes(file.id)).map((p) => p.id);
      entries.push({ model, db, file, pkgs, invalid: bad.has(file.section) || !file.built });
    }
  }
  const urls = [...new Set(entries.filter((e) => !e.invalid && e.file.url).map((e) => e.file.url!))];
  report.urls.distinct = urls.length;
  const links = new Map(await Promise.all(urls.map(async (u) => [u, await link(u)] as const)));
  const downloads = new Map<string, DownloadResult>();
  if (opts.mode === 'download' || opts.mode === 'install') {
    await Promise.all(
      urls.filter((u) => links.get(u)!.status === 'ok').map(async (u) => downloads.set(u, await download(u, links.get(u)!)))
    );
  }

  const fixes: UrlFix[] = [];
  const fileRows: { entry: Entry; status: RowStatus; change: string; detail?: string }[] = [];
  for (const entry of entries) {
    const { file } = entry;
    const shown = relative(opts.root, entry.model.pkgsDb);
    const urlLine = () => {
      const at = locateKey(readFileSync(entry.model.pkgsDb, 'utf8'), file.section, 'url');
      return at ? `${shown}:${at.line}` : shown;
    };
    let status: RowStatus = 'ok';
    let change = '';
    let detail: string | undefined;
    const size = Number(file.size);
    if (entry.invalid) {
      status = 'invalid';
      change = 'fix the problems listed above';
    } else if (!file.url) {
      status = 'supplied by hand';
      detail = `behind a login: the admin puts ${savedName(file)} in provd's cache`;
    } else {
      const l = links.get(file.url)!;
      if (l.status !== 'ok') {
        status = LINK_ROW[l.status];
        detail = [l.detail, l.finalUrl && `at ${mapUrl(l.finalUrl, opts.mirrors, true)}`].filter(Boolean).join(' ');
        change = l.status === 'gone' ? 'find the file\'s new URL (or a mirror); a different file needs a new entry and version' : 'check the server, then run again';
      } else if (l.contentLength !== undefined && l.contentLength !== size) {
        status = 'size changed';
        change = `server says ${l.contentLength} bytes, size is ${size}: a new file needs a new entry (size, sha1sum) and plugin version`;
      }
      const d = downloads.get(file.url);
      if (status === 'ok' && d) {
        if (d.status !== 'ok') {
          status = LINK_ROW[d.status];
          detail = `download: ${d.detail ?? d.status}`;
          change = 'check the server, then run again';
        } else if (d.size !== size || d.sha1!.toLowerCase() !== (file.sha1sum ?? '').toLowerCase()) {
          status = d.size !== size ? 'size changed' : 'checksum changed';
          change = `size ${size} -> ${d.size}, sha1sum ${file.sha1sum} -> ${d.sha1}: a new file needs a new entry and plugin version`;
        }
      }
      if (status === 'ok' && l.movedTo) {
        const to = mapUrl(l.movedTo, opts.mirrors, true);
        status = 'moved';
        change = `${urlLine()}: url = ${to}`;
        fixes.push({ pkgsDb: entry.model.pkgsDb, section: file.section, from: file.url, to });
      } else if (l.status === 'ok' && l.redirects?.length && !l.movedTo) {
        detail = `redirected (${l.redirects[0].status}, temporary) to ${mapUrl(l.finalUrl!, opts.mirrors, true)}: keep the URL`;
      }
    }
    fileRows.push({ entry, status, change, detail });
  }

  // --install: each package whose files are all downloaded and as declared
  const installs = new Map<string, { ok: boolean; text: string }>();
  if (opts.mode === 'install') {
    const byPkg = new Map<string, typeof fileRows>();
    for (const r of fileRows) for (const p of r.entry.pkgs) byPkg.set(`${r.entry.model.pkgsDb}\0${p}`, [...(byPkg.get(`${r.entry.model.pkgsDb}\0${p}`) ?? []), r]);
    // one python3 per package, a few at a time
    await runPool([...byPkg], async ([key, rows]) => {
      const [pkgsDb, pkg] = key.split('\0');
      if (rows.some((r) => r.status !== 'ok')) return;
      const files: Record<string, string> = {};
      for (const r of rows) files[r.entry.file.id] = storedFile(store, downloads.get(r.entry.file.url!)!.sha1!);
      const outcome = await installPackage(pkgsDb, pkg, files, opts.pythonPath);
      installs.set(key, {
        ok: outcome.ok,
        text: outcome.ok
          ? `installs ${outcome.installed?.length ?? 0} file(s)`
          : `${outcome.step ? `step ${outcome.step} (${outcome.command}) ` : ''}failed: ${outcome.error}`,
      });
    });
  }

  for (const r of fileRows) {
    const base = { model: r.entry.model.model, file: r.entry.file.id, host: hostOf(r.entry.file.url ?? ''), url: r.entry.file.url ?? '', pkgsDb: relative(opts.root, r.entry.model.pkgsDb), section: r.entry.file.section };
    for (const pkg of r.entry.pkgs.length ? r.entry.pkgs : ['-']) {
      const inst = installs.get(`${r.entry.model.pkgsDb}\0${pkg}`);
      if (inst && !inst.ok) {
        const install = r.entry.db.pkgs.find((p) => p.id === pkg)?.install;
        report.rows.push({ ...base, package: pkg, status: 'install failed', change: `fix [install_${install}] in ${base.pkgsDb}`, detail: inst.text });
      } else {
        report.rows.push({ ...base, package: pkg, status: r.status, change: r.change, ...((r.detail || inst) && { detail: [r.detail, inst?.text].filter(Boolean).join('; ') }) });
      }
    }
  }

  if (opts.fix && fixes.length) {
    report.fixes = (await applyUrlFixes(fixes, { dryRun: opts.dryRun, pythonPath: opts.pythonPath })).map((f) => ({ ...f, pkgsDb: relative(opts.root, f.pkgsDb) }));
    const outcome = (row: FirmwareRow) => report.fixes.find((f) => f.pkgsDb === row.pkgsDb && f.before.includes(row.url));
    for (const row of report.rows) {
      if (row.status !== 'moved') continue;
      const o = outcome(row);
      row.change += o?.written ? ' (fixed by --fix)' : o?.refused ? ' (--fix refused: see below)' : ' (--fix --dry-run: not written)';
    }
  }
  const fixed = (r: FirmwareRow) => r.status === 'moved' && report.fixes.some((f) => f.written && f.pkgsDb === r.pkgsDb && f.before.includes(r.url));
  report.broken = problems.length > 0 || report.rows.some((r) => !OK_STATUSES.has(r.status) && !fixed(r));
  return report;
}
