/**
 * Bounds on reading a package, applied by every reader (package/read.ts's scanPackage: publish,
 * verify, promote, the server's upload checks, the release state): a package is hostile input
 * as soon as anyone with a token can upload one. Reading stops as soon as a bound is crossed.
 *
 * Defaults, against real collections: the largest Wazo plugin is 8 MB unpacked and has a few
 * hundred members; its plugin-info is a few KB (capabilities for a dozen models). 512 MiB of
 * decompressed tar (64x the largest, room for firmware bundles), 20,000 members and 1 MiB of
 * plugin-info leave every real plugin far inside while a bomb stops after at most that much work.
 * Members are the costly bound: reading 20,000 headers leaves Node 20's heap ~20-30 MB larger
 * (V8 keeps what it grew), 100,000 about 85 MB (measured on a provd-repo server), past the
 * 50 MB a server may keep after a bomb; a bzip2 bomb of headers costs ~2 s per 100,000 anyway.
 */

export interface PackageLimits {
  /** Bytes of decompressed tar (headers, data, padding and what follows the end). */
  maxUnpackedBytes: number;
  /** Members (files, folders, links...). */
  maxMembers: number;
  /** Bytes of `<id>/plugin-info`, the one member ever held whole in memory. */
  maxPluginInfoBytes: number;
}

export type LimitName = keyof PackageLimits;

export const DEFAULT_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxUnpackedBytes: 512 * 1024 * 1024,
  maxMembers: 20_000,
  maxPluginInfoBytes: 1024 * 1024,
});

const WHAT: Record<LimitName, string> = {
  maxUnpackedBytes: 'decompressed size',
  maxMembers: 'member count',
  maxPluginInfoBytes: 'plugin-info size',
};

/** How an option is spelt where the user sets it: nx.json plugin options by default, a server's flags once it says so. */
let spelling: Record<LimitName, string> = {
  maxUnpackedBytes: 'maxUnpackedBytes',
  maxMembers: 'maxMembers',
  maxPluginInfoBytes: 'maxPluginInfoBytes',
};
let current: PackageLimits = { ...DEFAULT_PACKAGE_LIMITS };

/** This process's limits (a server from its flags, the Nx plugin from its options). */
export function setPackageLimits(limits: Partial<PackageLimits>, optionNames?: Partial<Record<LimitName, string>>): void {
  for (const [k, v] of Object.entries(limits) as [LimitName, number | undefined][]) {
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${optionNames?.[k] ?? spelling[k]}: ${v} is not a positive whole number`);
    current[k] = v;
  }
  if (optionNames) spelling = { ...spelling, ...optionNames };
}

export function packageLimits(): Readonly<PackageLimits> {
  return current;
}

/** Restore the defaults (tests). */
export function resetPackageLimits(): void {
  current = { ...DEFAULT_PACKAGE_LIMITS };
}

/** A package over a limit: a client error (422 on a server), never a crash. */
export class PackageLimitError extends Error {
  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super(message);
    this.name = 'PackageLimitError';
  }
}

const shown = (name: LimitName, n: number) => (name === 'maxMembers' ? `${n}` : n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`);

export function overLimit(name: LimitName, what: string, limits: Readonly<PackageLimits> = current): PackageLimitError {
  return new PackageLimitError(name, `${what}: over the ${WHAT[name]} limit of ${shown(name, limits[name])} (${spelling[name]})`);
}

/** The decompressed stream, refused as soon as it passes maxUnpackedBytes. */
export async function* boundedBytes(source: AsyncIterable<Buffer>, limits: Readonly<PackageLimits>): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limits.maxUnpackedBytes) throw overLimit('maxUnpackedBytes', `the package expands to more than ${total} bytes`, limits);
    yield chunk;
  }
}

/** Counts members and their declared sizes, refusing a bomb at its header, before its data is read. */
export class MemberBudget {
  private members = 0;
  private declared = 0;
  constructor(private readonly limits: Readonly<PackageLimits>) {}

  admit(m: { name: string; size: number }): void {
    if (++this.members > this.limits.maxMembers) throw overLimit('maxMembers', `the package has more than ${this.limits.maxMembers} members`, this.limits);
    this.declared += m.size;
    if (m.size > this.limits.maxUnpackedBytes) throw overLimit('maxUnpackedBytes', `member ${JSON.stringify(m.name)} declares ${m.size} bytes`, this.limits);
    if (this.declared > this.limits.maxUnpackedBytes) throw overLimit('maxUnpackedBytes', `the members' sizes add up to more than ${this.declared} bytes`, this.limits);
  }
}

/** A plugin-info (held whole in memory) over its limit, refused before its bytes are read. */
export function checkPluginInfoSize(m: { name: string; size: number }, limits: Readonly<PackageLimits> = current): void {
  if (m.size > limits.maxPluginInfoBytes) throw overLimit('maxPluginInfoBytes', `${m.name} is ${m.size} bytes`, limits);
}
