/**
 * Publishing a package into a channel, and copying an entry between channels (the promote
 * building block).
 *
 * Publishing order, so that a publish killed at any instant leaves a consistent channel:
 *  1. read the index, refuse conflicts (same version with other bytes, or going backwards);
 *  2. upload the package (never over an existing file) and read it back to check its SHA-1;
 *  3. under the channel lock: re-read the index, re-check, re-check the file, replace the
 *     index atomically;
 *  4. still under the lock, move packages the new entry superseded to the archive channel.
 * The index only ever names files that were complete and verified before it was written,
 * and a rerun picks up where a killed run stopped.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { JsonObject, isJsonObject, JsonNumber } from '../format/python-json';
import { ChannelIndex, indexEntry, compareVersions, supersededFiles, isReferenced, makeEntry, INDEX_FILE, serializeIndex, PACKAGE_KEYS, entryProblems, entryPluginInfo } from '../format/plugins-db';
import { readIndex } from './read-index';
import { readPackageOnce, fileFacts } from './package-cache';
import { withTempDir } from '../fs/temp-dir';
import { immutabilityRefusal } from './immutability';
import { ChannelBackend, PublishOutcome, PublishRequest } from '../repository/backend';
import { sha1File } from '../package/read';
import { packageFileName } from '../format/package-name';
import { PackageContents, packageProblems } from '../package/checks';
import { PLUGIN_INFO, parsePluginInfo } from '../format/plugin-info';
import { checkVersion } from '../format/provd-version';

/** Whether the channel's `name` holds the bytes with this SHA-1, by reading them back. */
async function remoteState(channel: ChannelBackend, name: string, sha1: string, tmpDir: string): Promise<'absent' | 'same' | 'different'> {
  const local = path.join(tmpDir, `readback-${randomBytes(6).toString('hex')}`);
  try {
    if (!(await channel.download(name, local))) return 'absent';
    return (await sha1File(local)) === sha1 ? 'same' : 'different';
  } finally {
    await fsp.rm(local, { force: true });
  }
}

/** A conflict with what the channel holds: reported as `refused`, nothing changed. */
class Refusal extends Error {}


export type { PublishRequest, PublishOutcome } from '../repository/backend';

export interface PublishOptions {
  /** Where superseded packages go; without it they stay in the channel. */
  archive?: ChannelBackend;
  dryRun?: boolean;
  log?: (s: string) => void;
  /** Lock wait and staleness (see ChannelBackend.lock). */
  lockTimeoutMs?: number;
  lockStaleMs?: number;
  /** Replace a newer indexed version (promote --allow-downgrade, rollback); the replaced file is archived. */
  allowDowngrade?: boolean;
  /** Every channel of the repository: a name released in any of them keeps its bytes (immutability.ts; the archive is always judged). */
  released?: ChannelBackend[];
  /** Where temp files go (a server keeps them under its root); default the system's temp folder. */
  tempRoot?: string;
}

interface Candidate {
  pluginId: string;
  version: string;
  file: string;
  filename: string;
  size: number;
  sha1: string;
  info: JsonObject;
}

type Decision = { kind: 'publish'; previous?: string } | { kind: 'same' } | { kind: 'refused'; message: string; previous: string };

/** Step 1's rule, pure: what the index allows for this candidate. */
function decide(index: ChannelIndex, c: Candidate, where: string, allowDowngrade = false): Decision {
  const current = indexEntry(index, c.pluginId);
  // No entry, or a broken one without a version: ours replaces it.
  if (!current || typeof current.version !== 'string') return { kind: 'publish' };
  const indexed = current.version;
  const order = compareVersions(indexed, c.version);
  if (order > 0 && allowDowngrade) return { kind: 'publish', previous: indexed };
  if (order > 0) {
    return {
      kind: 'refused',
      previous: indexed,
      message: `${where} already has ${c.pluginId} ${indexed}, newer than ${c.version}: a channel never goes back to an older version`,
    };
  }
  if (order < 0) return { kind: 'publish', previous: indexed };
  if (current.sha1sum === c.sha1) {
    // Same bytes under a wrong file name is a broken entry: rewriting it repairs it.
    return current.filename === c.filename ? { kind: 'same' } : { kind: 'publish', previous: indexed };
  }
  const theirs = typeof current.sha1sum === 'string' ? current.sha1sum : '?';
  return {
    kind: 'refused',
    previous: indexed,
    message: `${c.pluginId} ${c.version} is already in ${where} with different content (sha1 ${theirs} ≠ ${c.sha1}): bump the version`,
  };
}

/** Throws unless the package is one provd can install as `pluginId` with exactly this plugin-info. */
async function checkPackageFile(file: string, sha1: string, pluginId: string, info: JsonObject): Promise<void> {
  let pkg: PackageContents;
  try {
    pkg = await readPackageOnce(file, sha1);
  } catch (e) {
    throw new Error(`${file}: not a readable .tar.bz2 package (${(e as Error).message})`);
  }
  const problems = packageProblems(pluginId, pkg, info);
  if (problems.length) throw new Error(`${file} cannot be published as ${pluginId}:\n  - ${problems.join('\n  - ')}`);
}

/**
 * Puts the package in the channel without ever replacing a file of that name (an index may
 * reference it, or another publisher may be about to), then reads it back.
 */
async function ensureUploaded(channel: ChannelBackend, c: Candidate, tmpDir: string, log: (s: string) => void): Promise<void> {
  let state = await remoteState(channel, c.filename, c.sha1, tmpDir);
  // again if gone at once: a promote's sweep (under its lock) may archive an upload not yet indexed
  for (let attempt = 0; state === 'absent' && attempt < 3; attempt++) {
    log(`uploading ${c.filename} to ${channel.location}`);
    await channel.upload(c.file, c.filename, { ifAbsent: true });
    state = await remoteState(channel, c.filename, c.sha1, tmpDir);
  }
  if (state === 'same') return;
  if (state === 'absent') throw new Error(`${channel.location}/${c.filename} is missing right after its upload`);
  throw new Refusal(
    `${channel.location}/${c.filename} exists with different content and is not indexed ` +
      `(left by an interrupted or concurrent publish of ${c.pluginId} ${c.version}): remove it or bump the version`,
  );
}

/** Copy to the archive, check the copy, then remove from the channel. False if it had to stay. */
export async function moveToArchive(
  channel: ChannelBackend,
  archive: ChannelBackend,
  name: string,
  tmpDir: string,
  log: (s: string) => void,
): Promise<boolean> {
  const local = path.join(tmpDir, `archive-${randomBytes(6).toString('hex')}`);
  try {
    if (!(await channel.download(name, local))) return false; // someone else moved it
    const sha1 = await sha1File(local);
    let state = await remoteState(archive, name, sha1, tmpDir);
    if (state === 'absent') {
      await archive.upload(local, name, { ifAbsent: true });
      state = await remoteState(archive, name, sha1, tmpDir);
    }
    if (state !== 'same') {
      log(`warning: ${archive.location}/${name} holds other bytes; leaving ${channel.location}/${name} in place`);
      return false;
    }
    // a publisher killed between placing the archive copy and removing its temp file left that temp
    await archive.tidy?.();
    await channel.remove(name);
    log(`moved ${name} from ${channel.location} to ${archive.location}`);
    return true;
  } finally {
    await fsp.rm(local, { force: true });
  }
}

/** Step 4, run under the lock with the index just read or written. */
export async function archiveSuperseded(
  channel: ChannelBackend,
  index: ChannelIndex,
  pluginId: string,
  archive: ChannelBackend,
  tmpDir: string,
  log: (s: string) => void,
): Promise<string[]> {
  const moved: string[] = [];
  for (const name of supersededFiles(await channel.list(), index, pluginId)) {
    if (await moveToArchive(channel, archive, name, tmpDir, log)) moved.push(name);
  }
  return moved;
}

function movedNote(moved: string[], archive?: ChannelBackend): string {
  return moved.length && archive ? `; moved ${moved.join(', ')} to ${archive.location}` : '';
}

/** Publish, then leave no temp files of earlier killed publishers behind (a rerun completes). */
async function publishCandidate(channel: ChannelBackend, c: Candidate, opts: PublishOptions): Promise<PublishOutcome> {
  const outcome = await placeCandidate(channel, c, opts);
  if (!opts.dryRun) await channel.tidy?.();
  return outcome;
}

async function placeCandidate(channel: ChannelBackend, c: Candidate, opts: PublishOptions): Promise<PublishOutcome> {
  const log = opts.log ?? (() => undefined);
  const where = channel.location;
  const base = { pluginId: c.pluginId, version: c.version };
  const withPrevious = (previous?: string) => (previous !== undefined ? { previous } : {});
  const replacing = (previous?: string) => (previous ? ` (replacing ${previous})` : '');
  const refused = (d: { message: string; previous?: string }): PublishOutcome => ({
    status: 'refused',
    ...base,
    ...withPrevious(d.previous),
    message: d.message,
  });
  const already = (note: string): PublishOutcome => ({
    status: 'already-published',
    ...base,
    message: `${c.pluginId} ${c.version} is already published in ${where}${note}`,
  });
  const published = (previous: string | undefined, note: string): PublishOutcome => ({
    status: 'published',
    ...base,
    ...withPrevious(previous),
    message: `published ${c.pluginId} ${c.version} to ${where}${replacing(previous)}${note}`,
  });

  const index = await readIndex(channel);
  const first = decide(index, c, where, opts.allowDowngrade);
  if (first.kind === 'refused') return refused(first);
  const judged = [opts.archive, ...(opts.released ?? [])];
  if (first.kind === 'publish') {
    const clash = await withTempDir('provd-channel-', (tmp) => immutabilityRefusal(channel, judged, c, tmp), opts.tempRoot);
    if (clash) return refused({ message: clash });
  }

  if (opts.dryRun) {
    const after = new Map(index).set(c.pluginId, makeEntry(c.info, c.filename, c.size, c.sha1));
    const stale = opts.archive ? supersededFiles(await channel.list(), after, c.pluginId) : [];
    const archiving = stale.length ? `move ${stale.join(', ')} to ${opts.archive!.location}` : '';
    if (first.kind === 'same') {
      const outcome = already(archiving ? `; would ${archiving}` : '');
      return { ...outcome, message: `dry run: ${outcome.message}`, dryRun: true };
    }
    const message = `dry run: would publish ${c.pluginId} ${c.version} (sha1 ${c.sha1}) to ${where}${replacing(first.previous)}`;
    return { ...published(first.previous, ''), message: `${message}${archiving ? ` and ${archiving}` : ''}`, dryRun: true };
  }

  const lockOpts = { timeoutMs: opts.lockTimeoutMs, staleMs: opts.lockStaleMs, log };
  const owner = `publish ${c.pluginId} ${c.version}`;
  return withTempDir('provd-channel-', async (tmpDir) => {
    try {
      if (first.kind === 'same') {
        // Nothing to write, unless a killed run left superseded packages behind.
        let moved: string[] = [];
        if (opts.archive && supersededFiles(await channel.list(), index, c.pluginId).length) {
          const release = await channel.lock(owner, lockOpts);
          try {
            moved = await archiveSuperseded(channel, await readIndex(channel), c.pluginId, opts.archive, tmpDir, log);
          } finally {
            await release();
          }
        }
        return already(movedNote(moved, opts.archive));
      }

      await ensureUploaded(channel, c, tmpDir, log);

      const release = await channel.lock(owner, lockOpts);
      try {
        const locked = await readIndex(channel);
        const second = decide(locked, c, where, opts.allowDowngrade);
        if (second.kind === 'refused') return refused(second);
        const clash = second.kind === 'publish' ? await immutabilityRefusal(channel, judged, c, tmpDir) : null;
        if (clash) return refused({ message: clash });
        const replaced = second.kind === 'publish' ? indexEntry(locked, c.pluginId)?.filename : undefined;
        if (second.kind === 'publish') {
          // Cleanups only run under the lock, so the file checked now is the file the index gets.
          await ensureUploaded(channel, c, tmpDir, log);
          locked.set(c.pluginId, makeEntry(c.info, c.filename, c.size, c.sha1));
          await channel.writeText(INDEX_FILE, serializeIndex(locked));
          log(`indexed ${c.pluginId} ${c.version} in ${where}/${INDEX_FILE}`);
        }
        const moved = opts.archive ? await archiveSuperseded(channel, locked, c.pluginId, opts.archive, tmpDir, log) : [];
        // a downgrade replaced a newer file, which supersededFiles (older only) leaves alone
        if (opts.archive && typeof replaced === 'string' && replaced !== c.filename && !isReferenced(locked, replaced)) {
          if (await moveToArchive(channel, opts.archive, replaced, tmpDir, log)) moved.push(replaced);
        }
        const note = movedNote(moved, opts.archive);
        return second.kind === 'same' ? already(note) : published(second.previous, note);
      } finally {
        await release();
      }
    } catch (e) {
      if (e instanceof Refusal) return refused({ message: e.message });
      throw e;
    }
  }, opts.tempRoot);
}

/**
 * Publishes a built package into a channel. Invalid input (bad plugin-info, a package that
 * is not a clean `<id>/` tree or whose plugin-info differs) throws; a conflict with the
 * channel's content returns `refused` and changes nothing.
 */
export async function publishPackage(channel: ChannelBackend, req: PublishRequest, opts: PublishOptions = {}): Promise<PublishOutcome> {
  const shown = `${req.pluginId} ${PLUGIN_INFO}`;
  const info = parsePluginInfo(req.pluginInfoText, shown);
  if (info.version !== req.version) {
    throw new Error(`${shown}: version ${info.version} does not match the version being published (${req.version})`);
  }
  const clash = PACKAGE_KEYS.filter((k) => k in info);
  if (clash.length) throw new Error(`${shown}: ${clash.join(', ')} are reserved for the channel index`);
  const filename = packageFileName(req.pluginId, req.version);
  const { size, sha1 } = await fileFacts(req.packageFile);
  await checkPackageFile(req.packageFile, sha1, req.pluginId, info);
  // a provd-repo server does the rest itself, under its own lock (a dry run only reads: done here)
  if (channel.publishHere && !opts.dryRun) return channel.publishHere(req, { allowDowngrade: opts.allowDowngrade });
  return publishCandidate(channel, { pluginId: req.pluginId, version: req.version, file: req.packageFile, filename, size, sha1, info }, opts);
}

/**
 * Copies an indexed package (its exact bytes) and its entry from one channel to another with
 * publishPackage's safety: upload and verify, then lock and swap the index, then archive
 * what it superseded. The building block of promote (testing -> stable).
 */
export async function copyEntry(
  from: ChannelBackend,
  to: ChannelBackend,
  pluginId: string,
  opts: PublishOptions = {},
): Promise<PublishOutcome> {
  if (to.copyHere && !opts.dryRun) return to.copyHere(from, pluginId, { allowDowngrade: opts.allowDowngrade });
  const index = await readIndex(from);
  const entry = index.get(pluginId);
  if (entry === undefined) throw new Error(`${pluginId} is not in ${from.location}/${INDEX_FILE}`);
  const problems = entryProblems(pluginId, entry);
  if (problems.length || !isJsonObject(entry)) {
    throw new Error(`${from.location}: the entry of ${pluginId} is broken: ${problems.join('; ')}`);
  }
  const version = entry.version as string;
  // promote orders versions: one we cannot order is refused, naming where it was read
  checkVersion(version, `${from.location}/${INDEX_FILE} (${pluginId})`);
  const filename = entry.filename as string;
  return withTempDir('provd-channel-', async (tmpDir) => {
    const file = path.join(tmpDir, filename);
    if (!(await from.download(filename, file))) throw new Error(`${from.location}/${filename} is missing`);
    const { size, sha1 } = await fileFacts(file);
    if (sha1 !== entry.sha1sum || String(size) !== (entry.dsize as JsonNumber).text) {
      throw new Error(`${from.location}/${filename} does not match its index entry (size ${size}, sha1 ${sha1})`);
    }
    const info = entryPluginInfo(entry);
    await checkPackageFile(file, sha1, pluginId, info);
    return publishCandidate(to, { pluginId, version, file, filename, size, sha1, info }, opts);
  }, opts.tempRoot);
}
