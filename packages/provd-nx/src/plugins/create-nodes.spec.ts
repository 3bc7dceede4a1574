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
