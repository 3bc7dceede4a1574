/**
 * provd plugin versions. provd itself treats a plugin-info "version" as an opaque string
 * and only puts it in the package file name; real collections use dotted numbers of any
 * length ("0.2", "1.1", "0.4.17"). This module is the one place that gives them an order
 * and a next version.
 *
 * A version we handle is one or more dot-separated non-negative integers without leading
 * zeros ("1", "0.2", "0.4.17", "1.2.3.4"), optionally followed by a semver prerelease
 * ("-rc.1") and/or build ("+b7") suffix. Anything else ("beta", "1.02", "v1") is a valid
 * plugin-info but cannot be bumped, ordered or published.
 *
 * Order (compareVersions):
 *  1. numeric components, one by one, numerically ("0.10" > "0.9"), a missing component
 *     counting as 0;
 *  2. then a prerelease sorts before its release ("1.2.3-rc.1" < "1.2.3"), prereleases
 *     compared with semver's rules;
 *  3. then, when still equal, the shorter form first ("1.0" < "1.0.0"): distinct strings
 *     are distinct packages, so the order never calls two of them equal;
 *  4. then build metadata, as plain strings (no build first).
 * So compareVersions(a, b) === 0 exactly when a === b, for versions we handle.
 *
 * Bumps (nextVersion) keep the shape: n = number of components,
 *  - patch increments component n (the last):      0.2 -> 0.3, 0.4.17 -> 0.4.18, 1 -> 2, 1.2.3.4 -> 1.2.3.5
 *  - minor increments component n-1 (or the first when n = 1) and zeroes what follows:
 *                                                  0.2 -> 1.0, 0.4.17 -> 0.5.0, 1 -> 2, 1.2.3.4 -> 1.2.4.0
 *  - major increments the first and zeroes what follows:
 *                                                  0.2 -> 1.0, 0.4.17 -> 1.0.0, 1 -> 2, 1.2.3.4 -> 2.0.0.0
 *  - a prerelease is first released, as semver does: a bump whose zeroed components are
 *    already 0 just drops the suffix (1.2.3-rc.1 patch -> 1.2.3, 1.3.0-rc.1 minor -> 1.3.0),
 *    otherwise it bumps as above (1.2.3-rc.1 minor -> 1.3.0). Build metadata is dropped.
 *  - an exact version (any version we handle) is taken as is.
 */

export type Bump = 'patch' | 'minor' | 'major' | string;

export interface ProvdVersion {
  /** the dotted numbers, as numbers (kept exact up to 2^53) */
  numbers: number[];
  /** prerelease identifiers, [] for a release */
  prerelease: string[];
  /** build metadata without its '+', '' for none */
  build: string;
}

const IDENT = '[0-9A-Za-z-]+';
const VERSION = new RegExp(
  `^(0|[1-9]\\d*)((?:\\.(?:0|[1-9]\\d*))*)(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+(${IDENT}(?:\\.${IDENT})*))?$`
);

/** The parts of a version we handle, or null. */
export function parseVersion(version: string): ProvdVersion | null {
  const m = VERSION.exec(version);
  if (!m) return null;
  const numbers = [m[1], ...m[2].split('.').slice(1)].map(Number);
  if (!numbers.every(Number.isSafeInteger)) return null;
  const prerelease = m[3] ? m[3].split('.') : [];
  // semver: numeric prerelease identifiers have no leading zeros either
  if (prerelease.some((p) => /^0\d+$/.test(p))) return null;
  return { numbers, prerelease, build: m[4] ?? '' };
}

export function isVersion(version: string): boolean {
  return parseVersion(version) !== null;
}

/** Why `version` cannot be bumped, ordered or published, naming `file`; null when it can. */
export function versionProblem(version: string, file: string): string | null {
  if (isVersion(version)) return null;
  return `${file}: version ${JSON.stringify(version)} is not a dotted numeric version (e.g. 0.2, 0.4.17, 1.2.3-rc.1): it cannot be bumped, ordered or published`;
}

/** Throws the versionProblem, if any. */
export function checkVersion(version: string, file: string): ProvdVersion {
  const problem = versionProblem(version, file);
  if (problem) throw new Error(problem);
  return parseVersion(version)!;
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1; // semver: numeric identifiers first
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string[], b: string[]): number {
  // a release sorts after its prereleases
  if (!a.length || !b.length) return Math.sign(b.length - a.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareIdentifiers(a[i], b[i]);
    if (c) return c;
  }
  return Math.sign(a.length - b.length);
}

/**
 * Order of two versions (see the module comment). A version we do not handle sorts
 * before every one we do, and two of them by a numeric-aware string order: an old index
 * may hold anything, and its entries must still be comparable with ours.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) {
    if (pa || pb) return pa ? 1 : -1;
    return Math.sign(a.localeCompare(b, 'en', { numeric: true })) || (a < b ? -1 : a > b ? 1 : 0);
  }
  const n = Math.max(pa.numbers.length, pb.numbers.length);
  for (let i = 0; i < n; i++) {
    const d = (pa.numbers[i] ?? 0) - (pb.numbers[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return (
    comparePrerelease(pa.prerelease, pb.prerelease) ||
    Math.sign(pa.numbers.length - pb.numbers.length) ||
    (pa.build < pb.build ? -1 : pa.build > pb.build ? 1 : 0)
  );
}

/** The newest of some versions (compareVersions order), undefined for none. */
export function newestVersion(versions: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareVersions(v, best) > 0) best = v;
  return best;
}

export function isKeywordBump(bump: Bump): bump is 'patch' | 'minor' | 'major' {
  return bump === 'patch' || bump === 'minor' || bump === 'major';
}

/** The version after `current` for a bump keyword, or the exact version given. `file` names the plugin-info in errors. */
export function nextVersion(current: string, bump: Bump, file = 'plugin-info'): string {
  if (!isKeywordBump(bump)) {
    if (!isVersion(bump)) {
      throw new Error(`--bump must be patch, minor, major or a dotted numeric version (e.g. 0.3, 1.2.3.4), not '${bump}'`);
    }
    return bump;
  }
  const { numbers, prerelease } = checkVersion(current, file);
  const n = numbers.length;
  const at = bump === 'patch' ? n - 1 : bump === 'minor' ? Math.max(n - 2, 0) : 0;
  const next = numbers.slice();
  // a prerelease whose bumped-over components are 0 is released as is (semver's rule)
  if (!(prerelease.length && next.slice(at + 1).every((x) => x === 0))) next[at]++;
  for (let i = at + 1; i < n; i++) next[i] = 0;
  return next.join('.');
}
