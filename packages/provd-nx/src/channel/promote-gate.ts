/**
 * promote takes only tested bytes. Before a package moves (testing -> stable, or a rollback
 * from archive/), a test must have passed on exactly those bytes: the record a passing `test`
 * left for that SHA-1 (testing/record.ts), or else the smoke test run now on the package as
 * the channel holds it, against the model's snapshots (nothing written). --skip-test lets a
 * model through untested, and says so.
 */
import * as path from 'node:path';
import { withTempDir } from '../fs/temp-dir';
import { sha1File } from '../package/read';
import { packageFileName } from '../format/package-name';
import type { ChannelBackend } from '../repository/backend';

export type GateVerdict =
  | { ok: true; how: 'test record' | 'smoke test now' | 'skipped (--skip-test)'; detail: string }
  | { ok: false; reason: string };

/** Where the package is: a local file already read, or its name in the `from` channel. */
export interface GatePackage {
  file?: string;
  filename?: string;
}

/** What promote asks before it moves `id`'s package with this SHA-1. */
export type PromoteGate = (id: string, version: string, sha1: string, where: GatePackage) => Promise<GateVerdict>;

export interface GateOptions {
  /** the channel the packages come from (downloaded only when the smoke test must run) */
  from: ChannelBackend;
  fromName: string;
  /** a passing test's record for these bytes, if any */
  findPass: (id: string, sha1: string) => { version?: string } | undefined;
  /** the smoke test of a package file; undefined: records only */
  smoke?: (id: string, file: string) => Promise<{ ok: boolean; errors: string[] }>;
  skipTest?: boolean;
  log?: (line: string) => void;
}

export function testGate(opts: GateOptions): { gate: PromoteGate; verdicts: Map<string, GateVerdict> } {
  const verdicts = new Map<string, GateVerdict>();
  // a plan (--all-or-nothing, --dry-run) and the promote after it test each package once
  const memo = new Map<string, Promise<GateVerdict>>();
  const gate: PromoteGate = async (id, version, sha1, where) => {
    const key = `${id}\0${sha1}`;
    if (!memo.has(key)) memo.set(key, decide(opts, id, version, sha1, where));
    const verdict = await memo.get(key)!;
    verdicts.set(id, verdict);
    return verdict;
  };
  return { gate, verdicts };
}

async function decide(opts: GateOptions, id: string, version: string, sha1: string, { file, filename }: GatePackage): Promise<GateVerdict> {
  const short = sha1.slice(0, 12);
  if (opts.skipTest) return { ok: true, how: 'skipped (--skip-test)', detail: `${id} ${version} promoted untested (--skip-test)` };
  const pass = opts.findPass(id, sha1);
  if (pass) return { ok: true, how: 'test record', detail: `${id} ${version}: a test passed on these bytes (sha1 ${short})` };
  const never = `no test passed on ${id} ${version} as ${opts.fromName} holds it (sha1 ${short})`;
  if (!opts.smoke) return { ok: false, reason: `${never}: run nx run ${id}:test on the sources it was built from, or --skip-test` };
  opts.log?.(`${id}: ${never}: running the provd smoke test on it`);
  const run = async (local: string) => {
    const result = await opts.smoke!(id, local);
    if (result.ok) return { ok: true as const, how: 'smoke test now' as const, detail: `${id} ${version}: the provd smoke test passed on these bytes (sha1 ${short})` };
    const first = result.errors.map((e) => e.split('\n')[0]).slice(0, 3).join('; ');
    return { ok: false as const, reason: `${never}, and the provd smoke test fails on it: ${first}` };
  };
  if (file) return run(file);
  return withTempDir('provd-gate-', async (tmp) => {
    const name = filename ?? packageFileName(id, version);
    const local = path.join(tmp, name);
    if (!(await opts.from.download(name, local))) return { ok: false, reason: `${never}, and ${opts.from.location}/${name} cannot be read to test it` };
    // the bytes tested are the bytes promoted
    if ((await sha1File(local)) !== sha1) return { ok: false, reason: `${never}: ${opts.from.location}/${name} changed while promote read it` };
    return run(local);
  });
}
