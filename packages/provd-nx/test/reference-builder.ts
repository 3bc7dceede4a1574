/**
 * The reference builder (provd's own pgbuild.py, kept beside the repository in
 * shared/reference/): the oracle for package contents. Recipes run under python3
 * with real rsync and sed, then GNU tar packages them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { normalizeMode } from '../src/package/tree';
import { readPackage } from '../src/package/read';
import { REPO_ROOT } from './workspace';

/** pgbuild.py: PROVD_REFERENCE_BUILDER, else shared/reference/pgbuild.py in the nearest folder above the repository. */
export function referenceBuilder(): string {
  const override = process.env.PROVD_REFERENCE_BUILDER;
  if (override) return override;
  for (let dir = dirname(REPO_ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', 'pgbuild.py');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error('the reference builder shared/reference/pgbuild.py was not found above the repository (set PROVD_REFERENCE_BUILDER)');
}

/**
 * Build the given families of `sourceDir` the reference way, each in its own python
 * process (as if alone), then package them. Returns package file name -> path.
 */
export function referencePackages(sourceDir: string, families: string[], workDir: string): Record<string, string> {
  const pgbuild = referenceBuilder();
  const built = join(workDir, 'plugins');
  const packages = join(workDir, 'packages');
  mkdirSync(built, { recursive: true });
  mkdirSync(packages, { recursive: true });
  const run = (args: string[]) => {
    const out = execFileSync('python3', [pgbuild, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    return out;
  };
  for (const family of families) {
    // pgbuild prints a target's failure and carries on: a missing plugin folder shows it below
    run(['--build', '--source', sourceDir, '--destination', built, family]);
  }
  run(['--package', '--source', built, '--destination', packages]);
  return Object.fromEntries(readdirSync(packages).filter((f) => f.endsWith('.tar.bz2')).map((f) => [f, join(packages, f)]));
}

/** Relative path -> 'dir 755' | 'file 644 <sha1>' | 'link -> target', as a provd package holds it. */
export type PackageSnapshot = Record<string, string>;

/**
 * A package read back: one top-level folder named after the id (checked), then every member
 * with its type, mode as packaged (`normalize`: the reference keeps checkout modes, our
 * packages only "any x bit"), content hash or link target.
 */
export async function packageSnapshot(file: string, pluginId: string, normalize = false): Promise<PackageSnapshot> {
  const pkg = await readPackage(file);
  const snap: PackageSnapshot = {};
  for (const m of pkg.members) {
    if (m.name !== pluginId && !m.name.startsWith(`${pluginId}/`)) throw new Error(`${file}: member ${m.name} is outside ${pluginId}/`);
    if (m.name === pluginId) continue;
    const rel = m.name.slice(pluginId.length + 1);
    if (m.type === 'symlink') snap[rel] = `link -> ${m.linkTarget}`;
    else if (m.type === 'directory' || m.type === 'file') {
      const mode = (normalize ? normalizeMode(m.type, m.mode) : m.mode & 0o777).toString(8);
      snap[rel] = m.type === 'directory' ? `dir ${mode}` : `file ${mode} ${createHash('sha1').update(pkg.read(m.name)!).digest('hex')}`;
    } else snap[rel] = `other ${m.type}`;
  }
  return snap;
}
