/**
 * What Nx hashes for a model's build: its folder, build.py and the folders its recipe reads
 * (the same paths that move its version), our own code, and the dry-run flag.
 *
 * Nx hashes all `{workspaceRoot}` globs of a task as one set, matched against every file of
 * the workspace, and caches the result per distinct set. With a model's own folder in it no
 * two tasks share a set, and even one set per family is matched against every file: hashing
 * grows with models x files (3.2 s at 2400 models). So each path is read from the files Nx
 * already gave a project: the model's folder is its `{projectRoot}`, build.py a named input
 * of the family project, a shared folder one of its shared-folder project. Workspace globs
 * remain only for what no project owns (a recipe reading the family root, a symlinked
 * folder), a folder holding no file Nx knows (Nx's hasher stops on a project without
 * files), or names Nx would read as patterns.
 */
import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import { BUILD_FILE } from '../recipe/family';
import { Model, modelInputPaths, sharedProjectName } from '../build/model';
import { SNAPSHOT_DIR } from '../format/snapshot-dir';

type Input = NonNullable<TargetConfiguration['inputs']>[number];

/** Named inputs our family and shared-folder projects define for their models' builds. */
export const RECIPE_INPUT = 'provdRecipe';
export const FOLDER_INPUT = 'provdFolder';

/**
 * A path as a glob matching just itself: Nx reads inputs as globs, where a folder named
 * `*} w07G`, `[x]` or `a+(b` (an extglob group) would be a syntax error (nx stops) or match
 * other files (a change missed). A class holds each such character; `!` stays as it is
 * (`[!]` opens a negated class) and is literal where it is not first.
 */
export function literalGlob(path: string): string {
  return path.replace(/[*?[\]{}\\(]/g, (c) => `[${c}]`);
}

/** A name Nx takes as itself in `projects:` and `{projectRoot}` (no pattern, no `tag:`, no `!`). */
function plain(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
}

/** The named inputs of a family project: its recipe, for its models' builds. */
export function familyNamedInputs(family: string): ProjectConfiguration['namedInputs'] {
  return plain(family) ? { [RECIPE_INPUT]: [`{projectRoot}/${BUILD_FILE}`] } : undefined;
}

/** The named inputs of a shared-folder project: all its files, for the builds that copy it. */
export function sharedNamedInputs(family: string, folder: string): ProjectConfiguration['namedInputs'] {
  return plain(family) && plain(folder) ? { [FOLDER_INPUT]: ['{projectRoot}/**/*'] } : undefined;
}

export function modelInputs(
  model: Model,
  fingerprint: string,
  /**
   * family-relative folders that are projects holding a file for Nx (the model's, shared ones):
   * a project input naming a project without files stops Nx's hasher
   */
  projectFolders: ReadonlySet<string> = new Set(),
  /** the test target hashes the model's snapshots too; the build never does (they are not packaged) */
  { snapshots = false }: { snapshots?: boolean } = {}
): Array<Input> {
  const buildFile = posix.join(model.familyRoot, BUILD_FILE);
  const own = posix.join(model.familyRoot, model.folder);
  const fromProjects = plain(model.family);
  let unsnapshot: string | undefined;
  const inputs = modelInputPaths(model).map((p): Input => {
    if (p === buildFile) {
      return fromProjects ? { input: RECIPE_INPUT, projects: model.family } : `{workspaceRoot}/${literalGlob(p)}`;
    }
    // the build refuses projects nested in a model folder, whose files Nx would not count as the model's
    const folder = posix.relative(model.familyRoot, p);
    if (p === own && literalGlob(p) === p && projectFolders.has(folder)) {
      if (!snapshots) unsnapshot = `!{projectRoot}/${SNAPSHOT_DIR}/**/*`;
      return '{projectRoot}/**/*';
    }
    if (p === own && !snapshots) unsnapshot = `!{workspaceRoot}/${literalGlob(p)}/${SNAPSHOT_DIR}/**/*`;
    // a shared-folder project (another model's folder read by this recipe is that model's project)
    if (p !== own && model.sharedFolders.includes(folder) && fromProjects && projectFolders.has(folder) && plain(folder)) {
      return { input: FOLDER_INPUT, projects: sharedProjectName(model.family, folder) };
    }
    return `{workspaceRoot}/${literalGlob(p)}/**/*`;
  });
  return [
    ...inputs,
    // snapshots are dropped from the plugin: updating them must not rebuild it
    ...(unsnapshot ? [unsnapshot] : []),
    // our own code: a new plugin version must rebuild
    { runtime: `echo provd-nx ${fingerprint}` },
    // a dry run stays out of the cache (the preTasksExecution hook); should that hook not see
    // NX_DRY_RUN, this keeps a dry-run build's entry (dist/ as it was) from ever matching a real build
    { env: 'NX_DRY_RUN' },
  ];
}
