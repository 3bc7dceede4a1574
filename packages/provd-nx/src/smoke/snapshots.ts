/**
 * Snapshots of what the phones receive, as jest, vitest and insta keep them: one file per
 * generated file in <model>/__provd__/<device>/<path in the plugin folder> (configure_common's
 * files under _common/), reviewed with the code. A missing snapshot is written, unless under
 * CI where it fails and nothing is written; a different one fails with a unified diff, unless
 * --update rewrites it; snapshots no device produced any more are reported, and removed by
 * --update.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { unifiedDiff } from './unified-diff';

// one place for the name: the build drops the folder, inference hashes it for test only
import { SNAPSHOT_DIR } from '../format/snapshot-dir';

export { SNAPSHOT_DIR };
/** The snapshot folder of configure_common's files (never a device name: those start with a letter or digit). */
export const COMMON_SNAPSHOTS = '_common';

export interface SnapshotMode {
  update: boolean;
  ci: boolean;
}

export interface SnapshotOutcome {
  /** files compared */
  files: number;
  /** modelDir-relative paths (`__provd__/...`) */
  written: string[];
  changed: string[];
  obsolete: string[];
  /** missing under CI, or differing without update: each names the plugin, device and file */
  errors: string[];
}

/**
 * Compares `rendered` (`<device>/<path>` -> bytes) with `<modelDir>/__provd__/`. Snapshots under
 * `skip` (devices that failed) are neither compared nor obsolete.
 */
export function compareSnapshots(
  pluginId: string,
  modelDir: string,
  rendered: Map<string, Buffer>,
  skip: Set<string>,
  mode: SnapshotMode,
): SnapshotOutcome {
  const root = join(modelDir, SNAPSHOT_DIR);
  const write = mode.update || !mode.ci;
  const out: SnapshotOutcome = { files: rendered.size, written: [], changed: [], obsolete: [], errors: [] };
  const toWrite: [string, Buffer][] = [];
  for (const [rel, bytes] of [...rendered].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const shown = `${SNAPSHOT_DIR}/${rel}`;
    const [device, ...rest] = rel.split('/');
    const what = device === COMMON_SNAPSHOTS ? 'configure_common()' : `device ${device}`;
    const file = rest.join('/');
    const path = join(root, ...rel.split('/'));
    if (!existsSync(path)) {
      if (!write) out.errors.push(`${pluginId}: ${what}: ${file} has no snapshot ${shown} (under CI snapshots are never written: run the test without CI, or with --update, and commit them)`);
      else toWrite.push([path, bytes]);
      continue;
    }
    const old = readFileSync(path);
    if (old.equals(bytes)) continue;
    out.changed.push(shown);
    if (mode.update) {
      toWrite.push([path, bytes]);
      continue;
    }
    out.errors.push(`${pluginId}: ${what}: ${file} differs from its snapshot ${shown}:\n${describeDifference(old, bytes, shown, `${file} rendered by ${pluginId} for ${what}`)}`);
  }
  for (const rel of listFiles(root)) {
    const device = rel.split('/')[0];
    if (rendered.has(rel) || skip.has(device)) continue;
    out.obsolete.push(`${SNAPSHOT_DIR}/${rel}`);
  }
  for (const [path, bytes] of toWrite) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    out.written.push(`${SNAPSHOT_DIR}/${path.slice(root.length + 1).split(sep).join('/')}`);
  }
  if (mode.update) {
    for (const rel of out.obsolete) {
      rmSync(join(modelDir, ...rel.split('/')), { force: true });
      removeEmptyParents(dirname(join(modelDir, ...rel.split('/'))), modelDir);
    }
  }
  return out;
}

function describeDifference(old: Buffer, now: Buffer, fromLabel: string, toLabel: string): string {
  const text = (b: Buffer) => {
    const s = b.toString('utf8');
    return Buffer.from(s, 'utf8').equals(b) && !s.includes('\0') ? s : undefined;
  };
  const a = text(old);
  const b = text(now);
  if (a === undefined || b === undefined) return `binary content differs (${old.length} bytes in the snapshot, ${now.length} rendered)\n`;
  return unifiedDiff(a, b, fromLabel, toLabel);
}

/** Files under `root`, `/`-separated and relative to it (none when it does not exist). */
function listFiles(root: string, prefix = ''): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(join(root, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

function removeEmptyParents(dir: string, stop: string): void {
  while (dir.startsWith(stop + sep) && existsSync(dir) && readdirSync(dir).length === 0) {
    rmdirSync(dir);
    dir = dirname(dir);
  }
}
