/**
 * Fuzz: random plugin families (test/random-tree.ts) for PROVD_FUZZ_SECONDS (default 60),
 * each recorded once (recordFamilies, analyzeFamily: what the project graph holds), built
 * twice by our builder (buildModel: what the build executor runs) and once the reference way
 * (pgbuild.py's own build and package operations, in one python process). Every tree must give
 *  - the same package twice (same SHA-1), or the same error twice; the plugin folder left in
 *    dist, and the one a cache hit unpacks, hold the package; publish's checks pass it;
 *  - the same contents as the reference's package (names, types, link targets, bytes; modes
 *    as we normalize them), or, where we refuse, a clear error: one our code raised on
 *    purpose, naming the family and what is wrong, no stack frames; and the refusal must
 *    be one the README documents (a symlink leaving the plugin or absolute, a folder
 *    leaving the family, a special file, a name that is not UTF-8) or the reference must
 *    fail too.
 * A failure prints its seed: PROVD_FUZZ_SEED=<seed> replays that tree first (PROVD_FUZZ_SECONDS=0:
 * that tree alone; PROVD_FUZZ_KEEP=1 keeps the trees; PROVD_FUZZ_NX=0 skips the nx CLI part).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError, buildModel } from '../src/build/build';
import { familyModel, Model, pluginInfoPath } from '../src/build/model';
import { unpackPluginFolder } from '../src/build/plugin-folder';
import { PluginInfoError, readPluginInfo } from '../src/format/plugin-info';
import { packageProblems } from '../src/package/checks';
import { readPackage } from '../src/package/read';
import { normalizeMode } from '../src/package/tree';
import { analyzeFamily, RecipeError } from '../src/recipe/family';
import { recordFamilies } from '../src/recipe/recipe';
import { GeneratedFamily, makeRng, REFUSED_LINKS, writeRandomFamily } from './random-tree';
import { packageSnapshot, PackageSnapshot, referenceBuilder } from './reference-builder';
import { createWorkspace } from './workspace';

const SECONDS = Number(process.env.PROVD_FUZZ_SECONDS ?? 60);
const BASE_SEED = process.env.PROVD_FUZZ_SEED !== undefined ? Number(process.env.PROVD_FUZZ_SEED) >>> 0 : randomInt(0, 2 ** 32);
const KEEP = !!process.env.PROVD_FUZZ_KEEP;
/** how many of the last trees packaged as the reference are built again through the nx CLI (PROVD_FUZZ_NX=0: none) */
const NX_TREES = Number(process.env.PROVD_FUZZ_NX ?? 3);
const forNx: Array<{ ws: string; fam: GeneratedFamily; sha1: string; score: number }> = [];

/** pgbuild.py's build and package operations, as its command line runs them, in one process. */
const REFERENCE_DRIVER = `
import argparse, importlib.util, sys
spec = importlib.util.spec_from_file_location('pgbuild', sys.argv[1])
pg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pg)
opts = argparse.Namespace(include_test_plugins=False)
pg.build_op(opts, [sys.argv[3]], sys.argv[2], sys.argv[4])
pg.package_op(opts, [], sys.argv[4], sys.argv[5])
`;

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** A plugin folder on disk as a package snapshot with normalized modes (the reference's built folder). */
function treeSnapshot(dir: string): PackageSnapshot {
  const snap: PackageSnapshot = {};
  // names read as bytes (one may not be UTF-8), keyed as a tar reader decodes them
  const walk = (abs: Buffer, rel: string) => {
    for (const raw of readdirSync(abs, { encoding: 'buffer' })) {
      const p = Buffer.concat([abs, Buffer.from('/'), raw]);
      const r = rel ? `${rel}/${raw.toString('utf8')}` : raw.toString('utf8');
      const st = lstatSync(p);
      if (st.isSymbolicLink()) snap[r] = `link -> ${readlinkSync(p, { encoding: 'buffer' }).toString('utf8')}`;
      else if (st.isDirectory()) {
        snap[r] = 'dir 755';
        walk(p, r);
      } else if (st.isFile()) {
        snap[r] = `file ${normalizeMode('file', st.mode).toString(8)} ${createHash('sha1').update(readFileSync(p)).digest('hex')}`;
      } else snap[r] = 'other other';
    }
  };
  walk(Buffer.from(dir), '');
  return snap;
}

interface Reference {
  /** what says it failed (pgbuild prints a target's failure and carries on), or null */
  failed: string | null;
  /** its package, modes normalized; null when it made none */
  pkg: PackageSnapshot | null;
  /** how its package, read back by our reader, differs from the folder GNU tar packaged */
  readBack?: string;
}

async function buildReference(ws: string, fam: GeneratedFamily): Promise<Reference> {
  const built = join(ws, 'ref', 'plugins');
  const packages = join(ws, 'ref', 'packages');
  mkdirSync(built, { recursive: true });
  mkdirSync(packages, { recursive: true });
  const r = await run('python3', ['-c', REFERENCE_DRIVER, referenceBuilder(), join(ws, 'plugins'), fam.name, built, packages]);
  const failed = r.code !== 0 || /^error/m.test(r.stderr) ? `exit ${r.code}: ${r.stderr.trim().slice(-2000)}` : null;
  const file = join(packages, `${fam.pluginId}-${fam.version}.tar.bz2`);
  if (!existsSync(file)) return { failed: failed ?? `no package (${r.stdout.trim().slice(-500)})`, pkg: null };
  const pkg = await packageSnapshot(file, fam.pluginId, true);
  // the reader is ours: check it against the folder GNU tar packaged
  const readBack = snapshotDiff(pkg, treeSnapshot(join(built, fam.pluginId)));
  return { failed, pkg, ...(readBack ? { readBack } : {}) };
}

type Ours =
  | { ok: true; sha1: string; file: string; model: Model; replay: 'native' | 'python'; pkg: PackageSnapshot; problems: string[] }
  | { ok: false; error: unknown };

/**
 * Record and analyze once (what the project graph holds), then build twice into the same
 * dist (what the build executor runs, the second replacing the first).
 */
async function buildOursTwice(ws: string, fam: GeneratedFamily): Promise<[Ours, Ours]> {
  let model: Model;
  try {
    const familyDir = join(ws, fam.familyRoot);
    const recorded = await recordFamilies([familyDir]);
    const recipe = analyzeFamily(ws, fam.familyRoot, recorded[familyDir] ?? { error: { message: 'no reply' } });
    const found = recipe.models.find((m) => m.pluginId === fam.pluginId);
    if (!found) throw new Error(`fuzz: ${fam.pluginId} is not among the models found: ${recipe.models.map((m) => m.pluginId).join(', ')}`);
    const info = pluginInfoPath({ familyRoot: fam.familyRoot, folder: found.folder });
    model = familyModel(recipe, found, readPluginInfo(join(ws, info), info).version);
  } catch (error) {
    return [{ ok: false, error }, { ok: false, error }];
  }
  const build = async (): Promise<Ours> => {
    try {
      const built = await buildModel(ws, model, 'dist', [fam.pluginId]);
      const pkg = await packageSnapshot(built.packageFile, fam.pluginId);
      // what publish checks before anything reaches a channel
      const contents = await readPackage(built.packageFile);
      const info = JSON.parse(readFileSync(join(ws, pluginInfoPath(model)), 'utf8'));
      return { ok: true, sha1: built.sha1, file: built.packageFile, model, replay: built.replay, pkg, problems: packageProblems(fam.pluginId, contents, info) };
    } catch (error) {
      return { ok: false, error };
    }
  };
  return [await build(), await build()];
}

/** Links under the folders the recipe copies (common/, the model folder) that resolve outside the family. */
function linksOutOfFamily(ws: string, fam: GeneratedFamily): string[] {
  const family = realpathSync.native(join(ws, fam.familyRoot));
  const found: string[] = [];
  const walk = (dir: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync.native(join(dir, e.name));
        } catch {
          continue;
        }
        if (real !== family && !real.startsWith(family + '/')) found.push(`${rel}/${e.name}`);
      } else if (e.isDirectory()) walk(join(dir, e.name), `${rel}/${e.name}`);
    }
  };
  for (const top of ['common', fam.folder]) {
    if (!fam.foldersLeavingFamily.includes(top)) walk(join(ws, fam.familyRoot, top), top);
  }
  return found;
}

/** Why an error is not a clear one our code raised on purpose, or null. */
function unclear(error: unknown, fam: GeneratedFamily): string | null {
  if (!(error instanceof Error)) return `not an Error: ${String(error)}`;
  const deliberate = [BuildError, RecipeError, PluginInfoError].some((k) => error instanceof k);
  if (!deliberate) return `${error.name} is not one of our errors (BuildError, RecipeError, PluginInfoError)`;
  const m = error.message;
  if (/\n\s+at /.test(m) || m.includes('Traceback (most recent call last)')) return 'the message holds a stack trace';
  if (/\b(TypeError|ReferenceError|RangeError|undefined|\[object )/.test(m)) return 'the message shows a programming error';
  if (m.split('\n').some((line) => /\bE[A-Z]{3,}\b/.test(line) && !line.includes('/'))) return 'a system error without a path';
  if (!m.includes(fam.familyRoot)) return `the message does not name the family (${fam.familyRoot})`;
  return null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The same error twice: only the temporary build folder's name (and a command's own words) may differ. */
function normalizeMessage(text: string, fam: GeneratedFamily): string {
  // a failed recipe command: its exit code and stderr are the command's, not ours
  if (/: command failed with exit code \d+: /.test(text)) text = text.split('\n')[0].replace(/exit code \d+/, 'exit code N');
  return text.split(`.${fam.pluginId}.`).map((part, i) => (i === 0 ? part : part.replace(/^[A-Za-z0-9]{6}/, 'XXXXXX'))).join(`.${fam.pluginId}.`);
}

function snapshotDiff(ours: PackageSnapshot, ref: PackageSnapshot): string {
  const lines: string[] = [];
  for (const k of [...new Set([...Object.keys(ours), ...Object.keys(ref)])].sort()) {
    if (ours[k] !== ref[k]) lines.push(`  ${JSON.stringify(k)}: ours ${ours[k] ?? '(missing)'} | reference ${ref[k] ?? '(missing)'}`);
  }
  return lines.join('\n');
}

export interface Tally {
  iterations: number;
  same: number;
  refused: number;
  bothFail: number;
  python: number;
  links: number;
  /** bytes, in packages equal to the reference's */
  longestPath: number;
  longestName: number;
}

/** One tree: null when everything holds, else what went wrong. */
async function iteration(
  seed: number,
  ws: string,
  tally: Tally,
  /** called for a tree packaged as the reference packages it */
  onSame: (fam: GeneratedFamily, sha1: string) => void = () => undefined
): Promise<{ problem: string; fam?: GeneratedFamily; detail?: string } | null> {
  const rng = makeRng(seed);
  const maxRelBytes = 4095 - Buffer.byteLength(ws) - 150;
  const fam = writeRandomFamily(rng, ws, `fz${seed}`, { maxRelBytes, root: process.getuid?.() === 0 });
  tally.links += fam.links.length;
  // ours twice, one after the other, while the reference builds from the same sources
  const [[first, second], ref] = await Promise.all([buildOursTwice(ws, fam), buildReference(ws, fam)]);
  if (ref.readBack) return { fam, problem: `the reference's package does not read back as the folder it packaged:\n${ref.readBack}` };

  // built twice: the same bytes, or the same error
  if (first.ok !== second.ok) return { fam, problem: `the two builds disagree: ${first.ok ? 'ok' : errorText(first.error)} / ${second.ok ? 'ok' : errorText(second.error)}` };
  if (first.ok && second.ok) {
    if (first.sha1 !== second.sha1) return { fam, problem: `two builds gave different packages (${first.sha1} / ${second.sha1})` };
    if (first.model.replay === 'python') tally.python++;
    // the plugin folder the build left, and the one a cache hit unpacks from the package, hold the package
    const left = snapshotDiff(treeSnapshot(join(ws, 'dist', 'plugins', fam.pluginId)), first.pkg);
    if (left) return { fam, problem: `dist/plugins/${fam.pluginId} differs from its package:\n${left}` };
    await unpackPluginFolder(first.file, fam.pluginId, join(ws, 'unpacked'));
    const unpacked = snapshotDiff(treeSnapshot(join(ws, 'unpacked', fam.pluginId)), first.pkg);
    if (unpacked) return { fam, problem: `the package unpacked (as after a cache hit) differs from it:\n${unpacked}` };
  } else if (!first.ok && !second.ok) {
    const [a, b] = [first, second].map((o) => normalizeMessage(errorText((o as { error: unknown }).error), fam));
    if (a !== b) return { fam, problem: `two builds failed differently:\n${a}\n---\n${b}` };
    const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
    const left = list(join(ws, 'dist', 'plugins')).concat(list(join(ws, 'dist', 'packages')));
    if (left.length) return { fam, problem: `a failed build left ${JSON.stringify(left)} in dist` };
  }

  // what the README's choices refuse, from the generator's labels and the reference's package
  const refused: Array<{ why: string; names: string[] }> = [];
  if (ref.pkg) {
    const packagedLink = (rel: string, target?: string) =>
      ref.pkg![rel] !== undefined && (target === undefined ? ref.pkg![rel].startsWith('link -> ') : ref.pkg![rel] === `link -> ${target}`);
    for (const l of fam.links) {
      if (REFUSED_LINKS.has(l.kind) && packagedLink(l.rel, l.target) && (!l.requires || packagedLink(l.requires))) {
        refused.push({ why: `${JSON.stringify(l.source)} -> ${JSON.stringify(l.target)} (${l.kind})`, names: [l.rel.split('/').pop()!] });
      }
    }
    for (const [rel, v] of Object.entries(ref.pkg)) if (v.startsWith('other')) refused.push({ why: `${JSON.stringify(rel)} is a special file`, names: [rel.split('/').pop()!] });
    if (Object.keys(ref.pkg).some((rel) => rel.includes('\ufffd'))) refused.push({ why: 'a file name is not UTF-8', names: fam.badNames });
  }
  for (const f of fam.foldersLeavingFamily) refused.push({ why: `the copied folder ${JSON.stringify(f)} is a symlink out of the family`, names: [f] });
  // a recipe run by python3 may follow links: one out of the family under a folder it reads is refused
  const outOfFamily = linksOutOfFamily(ws, fam);
  if (first.ok && first.replay === 'python' && outOfFamily.length) {
    return { fam, problem: `python3 ran the recipe and we packaged with links out of the family: ${outOfFamily.join(', ')}` };
  }
  if (!first.ok) for (const l of outOfFamily) refused.push({ why: `${JSON.stringify(l)} is a link out of the family where python3 copies`, names: [l.split('/').pop()!] });

  if (first.ok) {
    if (ref.failed) return { fam, problem: 'we build a tree the reference fails on', detail: ref.failed };
    if (!ref.pkg) return { fam, problem: 'we build a tree the reference makes no package of' };
    if (refused.length) return { fam, problem: `we packaged what the README refuses: ${refused.map((r) => r.why).join('; ')}` };
    const diff = snapshotDiff(first.pkg, ref.pkg);
    if (diff) return { fam, problem: `our package differs from the reference's:\n${diff}` };
    const infoLink = first.pkg['plugin-info']?.startsWith('link -> ');
    // a plugin-info symlink is refused by publish (a documented choice): that, and its consequence only
    const problems = first.problems.filter((p) => !(infoLink && /plugin-info is a symlink|has no [^ ]+\/plugin-info/.test(p)));
    if (problems.length) return { fam, problem: `our package would not publish: ${problems.join('; ')}` };
    if (infoLink && first.problems.length === 0) return { fam, problem: 'a plugin-info symlink would publish' };
    tally.same++;
    onSame(fam, first.sha1);
    for (const rel of Object.keys(first.pkg)) {
      tally.longestPath = Math.max(tally.longestPath, Buffer.byteLength(rel));
      tally.longestName = Math.max(tally.longestName, Buffer.byteLength(rel.split('/').pop()!));
    }
    return null;
  }
  const why = unclear(first.error, fam);
  if (why) return { fam, problem: `unclear error (${why}):\n${errorText(first.error)}` };
  if (ref.failed || !ref.pkg) {
    tally.bothFail++;
    return null;
  }
  if (!refused.length) return { fam, problem: `we refuse a tree the reference builds, and no documented choice covers it:\n${errorText(first.error)}` };
  const message = (first.error as Error).message;
  if (!refused.some((r) => r.names.some((n) => message.includes(n)))) {
    return { fam, problem: `the refusal names none of ${refused.map((r) => r.why).join('; ')}:\n${message}` };
  }
  tally.refused++;
  return null;
}

describe('fuzz: random trees built twice and the reference way', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'provd-fuzz-')));
  });
  afterAll(() => {
    if (!KEEP) rmSync(root, { recursive: true, force: true });
  });

  it(
    `${SECONDS} s of random trees, from seed ${BASE_SEED}`,
    async () => {
      const tally: Tally = { iterations: 0, same: 0, refused: 0, bothFail: 0, python: 0, links: 0, longestPath: 0, longestName: 0 };
      const start = Date.now();
      const deadline = start + SECONDS * 1000;
      do {
        const seed = (BASE_SEED + tally.iterations) >>> 0;
        const ws = join(root, String(seed));
        mkdirSync(ws);
        let keep = false;
        const onSame = (fam: GeneratedFamily, sha1: string) => {
          // a few trees go through nx below: the most unusual ones (folder names nx reads as globs,
          // recipes run by python3, symlinks), the latest among equals; git tracks no special files
          if (NX_TREES === 0 || fam.listing.some((l) => / fifo$/.test(l))) return;
          const score = (/^m\d+\.\d$/.test(fam.folder) ? 0 : 2) + (fam.pythonStep ? 1 : 0) + (fam.links.length ? 1 : 0);
          if (forNx.length >= NX_TREES) {
            const worst = forNx.reduce((w, t, i) => (t.score < forNx[w].score ? i : w), 0);
            if (forNx[worst].score > score) return;
            rmSync(forNx.splice(worst, 1)[0].ws, { recursive: true, force: true });
          }
          keep = true;
          forNx.push({ ws, fam, sha1, score });
        };
        const failure = await iteration(seed, ws, tally, onSame).catch((e: unknown) => ({ problem: `the fuzz iteration crashed: ${(e as Error)?.stack ?? String(e)}` }) as { problem: string; fam?: GeneratedFamily; detail?: string });
        tally.iterations++;
        if (failure) {
          const lines = failure.fam?.listing ?? [];
          throw new Error(
            [
              `fuzz seed ${seed}: ${failure.problem}`,
              ...(failure.detail ? [failure.detail] : []),
              `replay (this tree alone): PROVD_FUZZ_SEED=${seed} PROVD_FUZZ_SECONDS=0 PROVD_FUZZ_NX=0 npx vitest run packages/provd-nx/test/fuzz.spec.ts` + (KEEP ? ` (tree kept in ${ws})` : ' (PROVD_FUZZ_KEEP=1 keeps the tree)'),
              'the tree:',
              ...lines.slice(0, 150),
              ...(lines.length > 150 ? [`... ${lines.length - 150} more`] : []),
            ].join('\n')
          );
        }
        if (!keep) rmSync(ws, { recursive: true, force: true });
      } while (Date.now() < deadline);
      const secs = (Date.now() - start) / 1000;
      console.log(
        `fuzz: ${tally.iterations} trees in ${secs.toFixed(1)} s from seed ${BASE_SEED}: ${tally.same} packaged as the reference, ` +
          `${tally.refused} refused by a documented choice, ${tally.bothFail} failed on both sides, ${tally.python} run by python3, ${tally.links} symlinks; ` +
          `longest path packaged ${tally.longestPath} bytes, longest name ${tally.longestName} bytes`
      );
      expect(tally.iterations).toBeGreaterThan(0);
    },
    (SECONDS + 120) * 1000
  );

  it.skipIf(NX_TREES === 0)(
    `${NX_TREES} of the trees packaged as the reference, through the real nx CLI: the same bytes`,
    () => {
      expect(forNx.length, 'trees packaged as the reference by the fuzz above').toBeGreaterThan(0);
      const ws = createWorkspace({ commit: false });
      try {
        mkdirSync(ws.path('plugins'));
        for (const { ws: from, fam } of forNx) execFileSync('cp', ['-a', join(from, fam.familyRoot), ws.path('plugins', fam.name)]);
        ws.commit('fuzzed families');
        const r = ws.nx(['run-many', '-t', 'build', '--outputStyle=static']);
        const seeds = forNx.map((t) => t.fam.name.slice(2)).join(', ');
        expect(r.code, `nx run-many -t build over the trees of seeds ${seeds}:\n${r.output.slice(-4000)}`).toBe(0);
        console.log(`fuzz through nx: ${forNx.map((t) => `seed ${t.fam.name.slice(2)} (folder ${JSON.stringify(t.fam.folder)}${t.fam.pythonStep ? ', python3' : ''})`).join(', ')}`);
        for (const { fam, sha1 } of forNx) {
          const file = ws.path('dist', 'packages', `${fam.pluginId}-${fam.version}.tar.bz2`);
          expect(existsSync(file) && createHash('sha1').update(readFileSync(file)).digest('hex'), `${fam.pluginId} (PROVD_FUZZ_SEED=${fam.name.slice(2)})`).toBe(sha1);
        }
      } finally {
        ws.dispose();
      }
    },
    180_000
  );
});
