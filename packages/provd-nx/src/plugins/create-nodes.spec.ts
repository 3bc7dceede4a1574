/**
 * Inference without the Nx CLI: the sample families are recorded (python3 runs their build.py)
 * and fed to createNodes and createDependencies in-process; the projects and the edges are
 * snapshotted, as Nx's own gradle plugin tests do. Run `npx vitest run -u <this file>` after an
 * intended change to the inference or to the sample plugins, and read the snapshot diff.
 */
import type { CreateDependenciesContext, CreateNodesContext, ProjectConfiguration } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/temp';
import { createDependencies } from './create-dependencies';
import { createNodes } from './create-nodes';
import { literalGlob, modelInputs } from './model-inputs';
import type { Model } from '../build/model';

const BUILD_FILES = ['plugins/xivo-cisco-spa/build.py', 'plugins/xivo-snom/build.py'];

/** Machine-specific parts (the checkout path, our own code's fingerprint) made stable. */
function stable<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value)
      .split(REPO_ROOT)
      .join('<repo>')
      .replace(/provd-nx [0-9a-f]{40,}/g, 'provd-nx <fingerprint>')
  ) as T;
}

describe('createNodes + createDependencies on the sample families', () => {
  it('infers the family, shared-folder, model and repository projects, and their edges', async () => {
    const context: CreateNodesContext = { workspaceRoot: REPO_ROOT, nxJsonConfiguration: {} };
    const results = await createNodes[1](BUILD_FILES, {}, context);
    const projects: Record<string, ProjectConfiguration> = {};
    for (const [file, result] of results) {
      expect(BUILD_FILES).toContain(file);
      for (const [root, project] of Object.entries(result.projects ?? {})) projects[project.name ?? root] = { ...project, root };
    }
    expect(stable(projects)).toMatchSnapshot();

    const depsContext = {
      projects,
      nxJsonConfiguration: {},
      workspaceRoot: REPO_ROOT,
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
      externalNodes: {},
    } as unknown as CreateDependenciesContext;
    const edges = (await createDependencies({}, depsContext)).map((d) => `${d.source} -> ${d.target} (${d.type})`).sort();
    expect(edges).toMatchSnapshot();
  }, 60_000);
});

describe('model inputs', () => {
  it('name projects Nx holds files for, and fall back to workspace globs where it holds none', () => {
    const model = { family: 'fam', familyRoot: 'plugins/fam', folder: '1.0', reads: ['common', 'empty', '1.0'], sharedFolders: ['common', 'empty'], readsFamilyRoot: false } as unknown as Model;
    const files = (held: string[]) => modelInputs(model, 'fp', new Set(held)).filter((i) => typeof i === 'string' || !('runtime' in i || 'env' in i));
    expect(files(['1.0', 'common'])).toEqual([
      '{projectRoot}/**/*',
      { input: 'provdRecipe', projects: 'fam' },
      { input: 'provdFolder', projects: 'fam/common' },
      '{workspaceRoot}/plugins/fam/empty/**/*',
      // the test target's snapshots are never packaged: a build does not hash them
      '!{projectRoot}/__provd__/**/*',
    ]);
    // the test target hashes them
    expect(modelInputs(model, 'fp', new Set(['1.0', 'common']), { snapshots: true })).not.toContain('!{projectRoot}/__provd__/**/*');
    // a symlinked model folder: Nx gives the link to the family project, and the model's project has no files
    expect(files(['common'])).toContain('{workspaceRoot}/plugins/fam/1.0/**/*');
  });

  it('name folders whose names hold glob characters literally (found by the fuzz spec: nx stopped on `*} w07G`)', async () => {
    const { matchGlobPaths } = await import('nx/src/native');
    // found by the fuzz spec: `*} w07G` (a brace), then `^)\<*(+!азс` (an extglob group)
    const folder = '*} w07G [x] a?{b,c}\\ ^)\\<*(+!азс @(d) !(e)';
    const model = { family: 'f*', familyRoot: 'plugins/f*', folder, reads: ['common', folder], sharedFolders: ['common'], readsFamilyRoot: false } as unknown as Model;
    const globs = modelInputs(model, 'fp')
      .filter((i): i is string => typeof i === 'string')
      .map((g) => g.replace('{workspaceRoot}/', ''));
    expect(globs).toContain(`${literalGlob(`plugins/f*/${folder}`)}/**/*`);
    const inside = [`plugins/f*/${folder}/plugin-info`, 'plugins/f*/common/x/y', 'plugins/f*/build.py'];
    const outside = ['plugins/f*/* w07G/plugin-info', 'plugins/fam/common/x', 'plugins/f*/x.py', `plugins/f*/${folder}x/y`];
    expect(matchGlobPaths(globs, [...inside, ...outside])).toEqual([...inside.map(() => true), ...outside.map(() => false)]);
  });
});
