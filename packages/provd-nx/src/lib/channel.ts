/**
 * provd channels: the `plugins.db` index, publishing a package into a channel, copying
 * an entry between channels (the promote building block), and verifying a channel the
 * way provd will consume it.
 *
 * plugins.db maps each plugin id to its package's plugin-info fields, verbatim, plus
 * `filename`, `dsize` and `sha1sum`. It is written exactly like Python's
 * `json.dump(index, f, sort_keys=True, separators=(',', ':'))`. JavaScript numbers
 * cannot tell 1.0 from 1, so JSON is parsed here into a lossless tree whose numbers keep
 * their source text (JsonNumber) and written back with Python's rules: an integer
 * literal stays an integer, a float literal is printed with Python's float repr
 * (0.9 -> 0.9, 1.0 -> 1.0, 1e3 -> 1000.0), strings are ASCII-escaped like Python's.
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
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { compare as semverCompare, valid as semverValid } from 'semver';
import {
  type PackageEntry,
  type PackageMember,
  packageFileName,
  packageFileVersion,
  readPackage,
  resolveSymlinkInTree,
  sha1File,
} from './package';
import { PLUGIN_INFO, parsePluginInfo } from './plugin-info';
import { withTempDir, type ChannelBackend } from './repository';

export const INDEX_FILE = 'plugins.db';
/** provd rejects an entry missing any of these, and with it every install from the channel. */
export const REQUIRED_INDEX_KEYS = ['capabilities', 'description', 'version', 'dsize', 'filename', 'sha1sum'];
/** Keys the index adds to the plugin-info fields. */
export const PACKAGE_KEYS = ['filename', 'dsize', 'sha1sum'] as const;

// ---------------------------------------------------------------------------
// Lossless JSON

/** A JSON number as written in its source, so 1.0 stays a float and big integers stay exact. */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** Python's json reads a literal with '.', 'e' or 'E' as a float, anything else as an int. */
  get isFloat(): boolean {
    return /[.eE]/.test(this.text);
  }
  toNumber(): number {
    return Number(this.text);
  }
  /** JSON.stringify writes the plain number (for debugging output, not for plugins.db). */
  toJSON(): number {
    return this.toNumber();
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Objects have a null prototype: keys like `__proto__` are plain data. */
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

function newObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

/** Strict RFC 8259 JSON into a lossless tree; errors name `where` and the line/column. */
export function parseJson(text: string, where: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    throw new Error(`${where}: not valid JSON (${what} at line ${line} column ${column})`);
  };
  const skipSpace = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const parseString = (): string => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i += 2;
      else if (c < 0x20) fail('control character in string');
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string; // decodes and validates the escapes
    } catch {
      i = start;
      return fail('invalid escape in string');
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = newObject();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail('expected a string key');
        const key = parseString();
        skipSpace();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = parseValue(depth + 1); // a repeated key keeps the last value, like Python
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail(i >= text.length ? 'unexpected end' : `unexpected ${JSON.stringify(text[i])}`);
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const value = parseValue(0);
  skipSpace();
  if (i < text.length) fail('extra data after the value');
  return value;
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // digits d1d2... mean 0.d1d2... * 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

function pythonNumber(n: JsonNumber): string {
  return n.isFloat ? pythonFloatRepr(n.toNumber()) : BigInt(n.text).toString();
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python's ensure_ascii string: everything outside printable ASCII as \uXXXX (lowercase hex, per UTF-16 unit). */
function pythonString(s: string): string {
  return `"${s.replace(/["\\]|[^\x20-\x7e]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** `json.dumps(value, sort_keys=True, separators=(',', ':'))`, byte for byte. */
export function serializeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pythonString(value);
  if (value instanceof JsonNumber) return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map(serializeJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${pythonString(k)}:${serializeJson(value[k])}`).join(',')}}`;
}

/** Equality of JSON values as Python compares them after json.load (1 == 1.0). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    if (!(a instanceof JsonNumber && b instanceof JsonNumber)) return false;
    if (!a.isFloat && !b.isFloat) return BigInt(a.text) === BigInt(b.text);
    return a.toNumber() === b.toNumber();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isJsonObject(a) || isJsonObject(b)) {
    if (!isJsonObject(a) || !isJsonObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

/** Plain JS values (numbers lose their float-ness): for callers that only read. */
export function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(toPlain);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

// ---------------------------------------------------------------------------
// The index

/**
 * plugin id -> entry. Entries are kept as parsed, even malformed ones, so that publishing
 * one plugin passes every other entry through untouched (verifyChannel reports them).
 */
export type ChannelIndex = Map<string, JsonValue>;
export type IndexEntry = JsonObject;

export function parseIndex(text: string, where: string): ChannelIndex {
  const data = parseJson(text, where);
  if (!isJsonObject(data)) throw new Error(`${where}: must be a JSON object mapping plugin ids to entries`);
  return new Map(Object.entries(data));
}

export function serializeIndex(index: ChannelIndex): string {
  const obj = newObject();
  for (const [id, entry] of index) obj[id] = entry;
  return serializeJson(obj);
}

export function indexEntry(index: ChannelIndex, pluginId: string): IndexEntry | undefined {
  const entry = index.get(pluginId);
  return isJsonObject(entry) ? entry : undefined;
}

/** The plugin-info part of an entry: the entry minus filename, dsize and sha1sum. */
export function entryPluginInfo(entry: IndexEntry): JsonObject {
  const info = newObject();
  for (const [k, v] of Object.entries(entry)) if (!(PACKAGE_KEYS as readonly string[]).includes(k)) info[k] = v;
  return info;
}

function makeEntry(info: JsonObject, filename: string, size: number, sha1: string): IndexEntry {
  const entry = newObject();
  Object.assign(entry, info);
  entry.filename = filename;
  entry.dsize = new JsonNumber(String(size));
  entry.sha1sum = sha1;
  return entry;
}

/** Semver order when both are semver, else a numeric-aware string order (old hand-made versions). */
export function compareVersions(a: string, b: string): number {
  const va = semverValid(a);
  const vb = semverValid(b);
  if (va && vb) return semverCompare(va, vb);
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Problems of one index entry on its own (no file access). */
export function entryProblems(pluginId: string, entry: JsonValue | undefined): string[] {
  if (!isJsonObject(entry)) return ['the index entry is not a JSON object'];
  const problems: string[] = [];
  const missing = REQUIRED_INDEX_KEYS.filter((k) => !(k in entry));
  if (missing.length) problems.push(`missing required key(s) ${missing.join(', ')}: provd rejects the whole channel`);
  const { version, filename, dsize, sha1sum, description, capabilities } = entry;
  if ('version' in entry && typeof version !== 'string') problems.push('"version" is not a string');
  if ('description' in entry && typeof description !== 'string') problems.push('"description" is not a string');
  if ('capabilities' in entry && !isJsonObject(capabilities)) problems.push('"capabilities" is not an object');
  if ('dsize' in entry && !(dsize instanceof JsonNumber && /^\d+$/.test(dsize.text))) problems.push('"dsize" is not a byte count');
  if ('sha1sum' in entry && !(typeof sha1sum === 'string' && /^[0-9a-f]{40}$/.test(sha1sum))) {
    problems.push('"sha1sum" is not a lowercase hex SHA-1');
  }
  if (typeof version === 'string' && 'filename' in entry) {
    let expected: string | undefined;
    try {
      expected = packageFileName(pluginId, version);
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (expected !== undefined && filename !== expected) {
      problems.push(`filename ${JSON.stringify(filename)} should be ${JSON.stringify(expected)}`);
    }
  }
  return problems;
}

function isReferenced(index: ChannelIndex, filename: string): boolean {
  for (const e of index.values()) if (isJsonObject(e) && e.filename === filename) return true;
  return false;
}

/** Packages of `pluginId` in the channel that its indexed version superseded. */
export function supersededFiles(names: readonly string[], index: ChannelIndex, pluginId: string): string[] {
  const entry = indexEntry(index, pluginId);
  if (!entry || typeof entry.version !== 'string') return [];
  const current = entry.version;
  const referenced = new Set<string>();
  for (const e of index.values()) if (isJsonObject(e) && typeof e.filename === 'string') referenced.add(e.filename);
  return names.filter((name) => {
    const v = packageFileVersion(name, pluginId, index.keys());
    // Only older ones: an unindexed newer file is another publisher's upload in flight.
    return v !== null && !referenced.has(name) && compareVersions(v, current) < 0;
  });
}

// ---------------------------------------------------------------------------
// Package contents

export interface PackageContents {
  members: PackageMember[];
  read(name: string): Buffer | undefined;
}

/**
 * What provd (Python tarfile) would trip over or be fooled by: anything but one top-level
 * folder named after the id, absolute or `..` names, symlinks leaving the folder, links and
 * devices, and, given `expectedInfo`, a plugin-info that differs from it.
 */
export function packageProblems(pluginId: string, pkg: PackageContents, expectedInfo?: JsonObject): string[] {
  const problems: string[] = [];
  if (!pkg.members.length) return ['the package is empty'];
  const tops = new Set<string>();
  const entries: PackageEntry[] = [];
  let infoMember: PackageMember | undefined;
  for (const m of pkg.members) {
    const shown = JSON.stringify(m.name);
    if (m.name.startsWith('/')) {
      problems.push(`member ${shown} has an absolute name`);
      continue;
    }
    const parts = m.name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) {
      problems.push(`member ${shown} contains '..': it would be extracted outside the plugin folder`);
      continue;
    }
    if (!parts.length) continue;
    tops.add(parts[0]);
    if (m.type === 'other') problems.push(`member ${shown} is not a regular file, directory or symlink`);
    if (parts.length === 1) {
      if (m.type !== 'directory') problems.push(`top-level member ${shown} is not a directory`);
      continue;
    }
    if (parts[0] !== pluginId || m.type === 'other') continue;
    const rel = parts.slice(1).join('/');
    entries.push({ path: rel, type: m.type, mode: m.mode, size: m.size, linkTarget: m.linkTarget });
    if (rel === PLUGIN_INFO && m.type === 'file') infoMember = m;
  }
  if (tops.size !== 1 || !tops.has(pluginId)) {
    problems.push(`expected exactly one top-level folder named ${pluginId}, found: ${[...tops].sort().join(', ') || 'none'}`);
  }
  const byPath = new Map(entries.map((e) => [e.path, e] as const));
  for (const e of entries) {
    if (e.type !== 'symlink') continue;
    const target = e.linkTarget ?? '';
    const shown = `symlink ${pluginId}/${e.path} -> ${JSON.stringify(target)}`;
    if (target.startsWith('/')) {
      problems.push(`${shown} is absolute`);
      continue;
    }
    try {
      if (resolveSymlinkInTree(e.path, byPath) === null) problems.push(`${shown} resolves outside the plugin folder`);
    } catch (err) {
      problems.push(`${shown}: ${(err as Error).message}`);
    }
  }
  if (expectedInfo) {
    const data = infoMember ? pkg.read(infoMember.name) : undefined;
    if (!data) {
      problems.push(`the package has no ${pluginId}/${PLUGIN_INFO}`);
    } else {
      try {
        const info = parseJson(data.toString('utf8'), `${pluginId}/${PLUGIN_INFO}`);
        if (!isJsonObject(info)) problems.push(`${pluginId}/${PLUGIN_INFO} is not a JSON object`);
        else if (!jsonEqual(info, expectedInfo)) {
          const keys = [...new Set([...Object.keys(info), ...Object.keys(expectedInfo)])]
            .filter((k) => !jsonEqual(info[k], expectedInfo[k]))
            .sort();
          problems.push(`${pluginId}/${PLUGIN_INFO} in the package differs from the index entry (${keys.join(', ')})`);
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// I/O helpers

export async function readIndex(channel: ChannelBackend): Promise<ChannelIndex> {
  const text = await channel.readText(INDEX_FILE);
  return text === null ? new Map() : parseIndex(text, `${channel.location}/${INDEX_FILE}`);
}

export function withChannelTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  return withTempDir('provd-channel-', fn);
}

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

const PARSED_CACHE_SIZE = 32;
const parsedPackages = new Map<string, PackageContents>();

/**
 * readPackage, memoized by the bytes' SHA-1: a package's members are a function of its bytes,
 * so publish-then-verify in one process decompresses each package once. Only the members
 * and the plugin-info contents are kept.
 */
export async function readPackageOnce(file: string, sha1?: string): Promise<PackageContents> {
  const key = sha1 ?? (await sha1File(file));
  const hit = parsedPackages.get(key);
  if (hit) {
    parsedPackages.delete(key); // most recently used last
    parsedPackages.set(key, hit);
    return hit;
  }
  const pkg = await readPackage(file);
  const infos = new Map<string, Buffer>();
  for (const m of pkg.members) {
    const data = m.name.endsWith(`/${PLUGIN_INFO}`) ? pkg.read(m.name) : undefined;
    if (data) infos.set(m.name, data);
  }
  const kept: PackageContents = { members: pkg.members, read: (name) => infos.get(name) };
  parsedPackages.set(key, kept);
  if (parsedPackages.size > PARSED_CACHE_SIZE) parsedPackages.delete(parsedPackages.keys().next().value!);
  return kept;
}

async function fileFacts(file: string): Promise<{ size: number; sha1: string }> {
  const [st, sha1] = await Promise.all([fsp.stat(file), sha1File(file)]);
  return { size: st.size, sha1 };
}

/** A conflict with what the channel holds: reported as `refused`, nothing changed. */
class Refusal extends Error {}

// ---------------------------------------------------------------------------
// Publishing

export interface PublishRequest {
  pluginId: string;
  version: string;
  packageFile: string;
  pluginInfoText: string;
}

export type PublishOutcome = {
  status: 'published' | 'already-published' | 'refused';
  pluginId: string;
  version: string;
  /** The version the channel held before (set when published over it, or refused by it). */
  previous?: string;
  message: string;
  /** Set on a dry run: `status` says what would have happened. */
  dryRun?: true;
};

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
  if (state === 'absent') {
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
async function archiveSuperseded(
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

  if (opts.dryRun) {
    const after = new Map(index).set(c.pluginId, makeEntry(c.info, c.filename, c.size, c.sha1));
    const stale = opts.archive ? supersededFiles(await channel.list(), after, c.pluginId) : [];
    const archiving = stale.length ? `move ${stale.join(', ')} to ${opts.archive!.location}` : '';
    if (first.kind === 'same') {
      const outcome = already(archiving ? `; would ${archiving}` : '');
      return { ...outcome, message: `dry run: ${outcome.message}`, dryRun: true };
    }
    const message = `dry run: would publish ${c.pluginId} ${c.version} to ${where}${replacing(first.previous)}`;
    return { ...published(first.previous, ''), message: `${message}${archiving ? ` and ${archiving}` : ''}`, dryRun: true };
  }

  const lockOpts = { timeoutMs: opts.lockTimeoutMs, staleMs: opts.lockStaleMs, log };
  const owner = `publish ${c.pluginId} ${c.version}`;
  return withChannelTempDir(async (tmpDir) => {
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
  });
}

/**
 * Publishes a built package into a channel. Invalid input (bad plugin-info, a package that
 * is not a clean `<id>/` tree or whose plugin-info differs) throws; a conflict with the
 * channel's content returns `refused` and changes nothing.
 */
export async function publishPackage(channel: ChannelBackend, req: PublishRequest, opts: PublishOptions = {}): Promise<PublishOutcome> {
  const shown = `${req.pluginId} ${PLUGIN_INFO}`;
  const checked = parsePluginInfo(req.pluginInfoText, shown);
  if (checked.version !== req.version) {
    throw new Error(`${shown}: version ${checked.version} does not match the version being published (${req.version})`);
  }
  const info = parseJson(req.pluginInfoText, shown) as JsonObject; // an object: parsePluginInfo checked it
  const clash = PACKAGE_KEYS.filter((k) => k in info);
  if (clash.length) throw new Error(`${shown}: ${clash.join(', ')} are reserved for the channel index`);
  const filename = packageFileName(req.pluginId, req.version);
  const { size, sha1 } = await fileFacts(req.packageFile);
  await checkPackageFile(req.packageFile, sha1, req.pluginId, info);
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
  const index = await readIndex(from);
  const entry = index.get(pluginId);
  if (entry === undefined) throw new Error(`${pluginId} is not in ${from.location}/${INDEX_FILE}`);
  const problems = entryProblems(pluginId, entry);
  if (problems.length || !isJsonObject(entry)) {
    throw new Error(`${from.location}: the entry of ${pluginId} is broken: ${problems.join('; ')}`);
  }
  const version = entry.version as string;
  const filename = entry.filename as string;
  return withChannelTempDir(async (tmpDir) => {
    const file = path.join(tmpDir, filename);
    if (!(await from.download(filename, file))) throw new Error(`${from.location}/${filename} is missing`);
    const { size, sha1 } = await fileFacts(file);
    if (sha1 !== entry.sha1sum || String(size) !== (entry.dsize as JsonNumber).text) {
      throw new Error(`${from.location}/${filename} does not match its index entry (size ${size}, sha1 ${sha1})`);
    }
    const info = entryPluginInfo(entry);
    await checkPackageFile(file, sha1, pluginId, info);
    return publishCandidate(to, { pluginId, version, file, filename, size, sha1, info }, opts);
  });
}

// ---------------------------------------------------------------------------
// Verification

export interface ChannelProblem {
  pluginId?: string;
  file?: string;
  problem: string;
}

export function formatProblem(p: ChannelProblem): string {
  const what = [p.pluginId, p.file && p.file !== p.pluginId ? `(${p.file})` : undefined].filter(Boolean).join(' ');
  return what ? `${what}: ${p.problem}` : p.problem;
}

/** Everything provd would reject or be hurt by, per entry; empty means clean. */
export async function verifyChannel(channel: ChannelBackend): Promise<ChannelProblem[]> {
  const text = await channel.readText(INDEX_FILE);
  if (text === null) return [{ file: INDEX_FILE, problem: `${channel.location}/${INDEX_FILE} is missing` }];
  let index: ChannelIndex;
  try {
    index = parseIndex(text, `${channel.location}/${INDEX_FILE}`);
  } catch (e) {
    return [{ file: INDEX_FILE, problem: (e as Error).message }];
  }
  const problems: ChannelProblem[] = [];
  await withChannelTempDir(async (tmpDir) => {
    for (const pluginId of [...index.keys()].sort(compareCodePoints)) {
      const entry = index.get(pluginId);
      const file = isJsonObject(entry) && typeof entry.filename === 'string' ? entry.filename : undefined;
      const add = (problem: string) => problems.push({ pluginId, ...(file !== undefined ? { file } : {}), problem });
      entryProblems(pluginId, entry).forEach(add);
      if (!isJsonObject(entry) || file === undefined) continue;
      let local: string;
      try {
        local = path.join(tmpDir, `${createHash('sha1').update(file).digest('hex')}.tar.bz2`);
        if (!(await channel.download(file, local))) {
          add(`${file} is missing from ${channel.location}`);
          continue;
        }
      } catch (e) {
        add(`cannot download ${file}: ${(e as Error).message}`);
        continue;
      }
      try {
        const { size, sha1 } = await fileFacts(local);
        if (entry.dsize instanceof JsonNumber && entry.dsize.text !== String(size)) {
          add(`dsize ${entry.dsize.text} does not match the file's ${size} bytes`);
        }
        if (typeof entry.sha1sum === 'string' && entry.sha1sum !== sha1) {
          add(`sha1sum ${entry.sha1sum} does not match the file's ${sha1}`);
        }
        let pkg: PackageContents | undefined;
        try {
          pkg = await readPackageOnce(local, sha1);
        } catch (e) {
          add(`${file} is not a readable .tar.bz2 package (${(e as Error).message})`);
        }
        if (pkg) packageProblems(pluginId, pkg, entryPluginInfo(entry)).forEach(add);
      } finally {
        await fsp.rm(local, { force: true });
      }
    }
  });
  return problems;
}
