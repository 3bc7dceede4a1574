/**
 * Server-side publish and promote: the package is checked the way `verify` checks a
 * channel, then the domain library's publishPackage / copyEntry put it in the channel
 * folder under the channel lock, rewrite plugins.db atomically and move superseded
 * packages to the archive channel. Every refusal happens before anything is written.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import {
  copyEntry,
  INDEX_FILE,
  isJsonObject,
  LocalChannel,
  packageFileName,
  packageProblems,
  parseIndex,
  parseJson,
  parsePluginInfo,
  PLUGIN_INFO,
  publishPackage,
  readPackageOnce,
  type JsonObject,
  type PublishOutcome,
} from './domain';
import { ARCHIVE } from './names';
import { servedChannelNames } from './channels';
import { HttpError } from './http-error';
import { unreadablePackage } from './package-errors';
import { tempArea } from './temp-area';

export { HttpError } from './http-error';

/** Writes to one channel queue up in this process; the lock file still guards against other processes. */
const queues = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

const outcomeStatus = (o: PublishOutcome) => (o.status === 'published' ? 201 : o.status === 'refused' ? 409 : 200);

/** What the package says it is: its one top folder is the id, its plugin-info the version. */
async function identify(file: string, filename: string): Promise<{ pluginId: string; version: string; pluginInfoText: string }> {
  let pkg: Awaited<ReturnType<typeof readPackageOnce>>;
  try {
    pkg = await readPackageOnce(file);
  } catch (e) {
    throw unreadablePackage(filename, (await fsp.stat(file)).size, e);
  }
  // names provd would extract outside its plugins folder: said as such, before any guess at the id
  const escaping = pkg.members.find((m) => m.name.startsWith('/') || m.name.split('/').includes('..'));
  if (escaping) {
    const why = escaping.name.startsWith('/') ? 'has an absolute name' : "contains '..'";
    throw new HttpError(422, `${filename}: member ${JSON.stringify(escaping.name)} ${why}: it would be extracted outside the plugin folder`);
  }
  const tops = new Set(pkg.members.map((m) => m.name.split('/').filter((p) => p && p !== '.')[0]).filter(Boolean));
  if (tops.size !== 1) throw new HttpError(422, `${filename}: expected one top-level folder named after the plugin id, found: ${[...tops].sort().join(', ') || 'none'}`);
  const pluginId = [...tops][0];
  const infoMember = pkg.members.find((m) => m.name === `${pluginId}/${PLUGIN_INFO}` || m.name === `./${pluginId}/${PLUGIN_INFO}`);
  if (infoMember && infoMember.type !== 'file') {
    const to = infoMember.linkTarget !== undefined ? ` to ${JSON.stringify(infoMember.linkTarget)}` : '';
    throw new HttpError(422, `${filename}: ${pluginId}/${PLUGIN_INFO} is a ${infoMember.type}${to}, not a regular file (provd would read another file than the one checked)`);
  }
  const data = infoMember && pkg.read(infoMember.name);
  if (!data) throw new HttpError(422, `${filename}: the package has no ${pluginId}/${PLUGIN_INFO}`);
  const pluginInfoText = data.toString('utf8');
  let version: string;
  let info: JsonObject;
  try {
    version = parsePluginInfo(pluginInfoText, `${pluginId}/${PLUGIN_INFO}`).version;
    info = parseJson(pluginInfoText, `${pluginId}/${PLUGIN_INFO}`) as JsonObject;
  } catch (e) {
    throw new HttpError(422, `${filename}: ${(e as Error).message}`);
  }
  let expected: string;
  try {
    expected = packageFileName(pluginId, version);
  } catch (e) {
    throw new HttpError(422, `${filename}: ${(e as Error).message}`);
  }
  if (expected !== filename) throw new HttpError(422, `${filename}: the package holds ${pluginId} ${version}, whose file name is ${expected}`);
  const reserved = ['filename', 'dsize', 'sha1sum'].filter((k) => k in info);
  if (reserved.length) throw new HttpError(422, `${pluginId}/${PLUGIN_INFO}: ${reserved.join(', ')} are reserved for the channel index`);
  const problems = packageProblems(pluginId, pkg, info);
  if (problems.length) throw new HttpError(422, `${filename} cannot be published as ${pluginId}: ${problems.join('; ')}`);
  return { pluginId, version, pluginInfoText };
}

/** A channel folder under the root, named in messages by its channel name only (no server paths). */
class ServedChannel extends LocalChannel {
  constructor(
    root: string,
    readonly name: string,
  ) {
    super(path.join(root, name));
  }
  override get location(): string {
    return this.name;
  }
}

function archiveOf(root: string, channel: string): LocalChannel | undefined {
  return channel === ARCHIVE ? undefined : new ServedChannel(root, ARCHIVE);
}

/** Every channel of the root: the immutability rule judges a name against all of them. */
async function released(root: string): Promise<LocalChannel[]> {
  return (await servedChannelNames(root)).map((n) => new ServedChannel(root, n));
}

export interface WriteOptions {
  allowDowngrade?: boolean;
  lockTimeoutMs?: number;
}

/** PUT: publish the uploaded file as `filename` into `channel`. */
export async function publishUpload(root: string, channel: string, filename: string, file: string, log: (s: string) => void, opts: WriteOptions = {}) {
  const req = await identify(file, filename);
  // identify() ran every check publishPackage runs: what it may still throw is a server fault (500)
  const outcome = await serialized(channel, async () =>
    publishPackage(new ServedChannel(root, channel), { ...req, packageFile: file }, {
      archive: archiveOf(root, channel),
      released: await released(root),
      tempRoot: tempArea(root),
      lockTimeoutMs: opts.lockTimeoutMs,
      log,
      allowDowngrade: opts.allowDowngrade,
    }),
  );
  return { status: outcomeStatus(outcome), outcome };
}

/** POST promote: copy `pluginId`'s entry and exact bytes from `from` into `to`. */
export async function promoteEntry(root: string, from: string, to: string, pluginId: string, log: (s: string) => void, opts: WriteOptions = {}) {
  const text = await fsp.readFile(path.join(root, from, INDEX_FILE), 'utf8').catch(() => null);
  if (text === null) throw new HttpError(404, `channel ${from} has no ${INDEX_FILE}`);
  const index = parseIndex(text, `${from}/${INDEX_FILE}`);
  if (!isJsonObject(index.get(pluginId))) throw new HttpError(404, `${pluginId} is not in ${from}/${INDEX_FILE}`);
  const outcome = await serialized(to, async () => {
    try {
      return await copyEntry(new ServedChannel(root, from), new ServedChannel(root, to), pluginId, {
        archive: archiveOf(root, to),
        released: await released(root),
        tempRoot: tempArea(root),
        lockTimeoutMs: opts.lockTimeoutMs,
        log,
        allowDowngrade: opts.allowDowngrade,
      });
    } catch (e) {
      if (/broken|does not match|missing|cannot be published|not a readable/.test((e as Error).message)) throw new HttpError(422, (e as Error).message);
      throw e;
    }
  });
  return { status: outcomeStatus(outcome), outcome };
}
