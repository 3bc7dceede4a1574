/**
 * The `test` targets: a model's (its pytest tests and its package in the real provd), a
 * shared folder's (its pytest tests), a family's (every model's). Cached: a model's test
 * hashes what its build hashes, plus its snapshots, provd-test.json files, the pytest set-up
 * above its folder, and the provd code (PROVD_CODE_FINGERPRINT, set by preTasksExecution: the
 * folder provd comes from is not hashed, only what it holds).
 */
import type { TargetConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import { PLUGIN_NAME } from '../runtime/names';
import { NormalizedOptions } from '../runtime/options';
import { PROVD_ENV } from '../runtime/env';
import { FamilyRecipe } from '../recipe/family';
import { Model, sharedProjectName } from '../build/model';
import { PROVD_TEST_FILE, SNAPSHOT_DIR } from '../format/snapshot-dir';
import { recordPath } from '../testing/record';
import { PKGS_DB } from '../format/pkgs-db-path';
import { literalGlob, modelInputs } from './model-inputs';
import { targetHelp } from './target-help';
import { TECHNOLOGIES } from './technologies';

type Input = NonNullable<TargetConfiguration['inputs']>[number];

/** Files above a tests/ folder that change how pytest runs it (conftest.py, ini files, packages). */
function pytestContext(pluginsDir: string, familyRoot: string): Input[] {
  const files = [
    ...['conftest.py', 'pytest.ini', 'pyproject.toml', 'setup.cfg', 'tox.ini'].map((f) => posix.join(posix.dirname(pluginsDir), f)),
    ...['conftest.py', '__init__.py'].flatMap((f) => [posix.join(pluginsDir, f), posix.join(familyRoot, f)]),
  ];
  return [...new Set(files)].map((f) => `{workspaceRoot}/${literalGlob(f.replace(/^\.\//, ''))}`);
}

const provdCode: Input = { env: PROVD_ENV.provdFingerprint };

export function modelTestTarget(model: Model, options: NormalizedOptions, fingerprint: string, projectFolders: ReadonlySet<string>): TargetConfiguration {
  const id = model.pluginId;
  const sharedTests = model.sharedFolders.filter((f) => projectFolders.has(f)).map((f) => sharedProjectName(model.family, f));
  return {
    executor: `${PLUGIN_NAME}:test`,
    cache: true,
    dependsOn: ['build', ...(sharedTests.length ? [{ projects: sharedTests, target: 'test' }] : [])],
    inputs: [
      // what the package is made of, and the snapshots (which builds leave out)
      ...modelInputs(model, fingerprint, projectFolders, { snapshots: true }),
      `{workspaceRoot}/${literalGlob(posix.join(model.familyRoot, PROVD_TEST_FILE))}`,
      // the offline firmware checks read every model's pkgs.db of the family (one file name, one checksum)
      `{workspaceRoot}/${literalGlob(model.familyRoot)}/*/${PKGS_DB}`,
      ...pytestContext(options.pluginsDir, model.familyRoot),
      provdCode,
      { env: 'PROVD_PYTHON' },
    ],
    outputs: [`{workspaceRoot}/${literalGlob(recordPath(options.distDir, id))}`],
    metadata: {
      description: `Test ${id}: pytest of ${model.folder}/tests/ (if any), then its pkgs.db checked offline as xivo-fetchfw reads it, its package installed, loaded and configured in the real provd (a device per capability, plus ${PROVD_TEST_FILE}), generated files compared with ${model.folder}/${SNAPSHOT_DIR}/; --update writes snapshots; provd from PROVD_PYTHONPATH or provdPythonPath`,
      technologies: TECHNOLOGIES,
      help: targetHelp(id, 'test'),
    },
  };
}

export function sharedTestTarget(family: FamilyRecipe, folder: string, options: NormalizedOptions, filled: boolean): TargetConfiguration {
  const root = posix.join(family.root, folder);
  const name = sharedProjectName(family.name, folder);
  return {
    executor: `${PLUGIN_NAME}:test`,
    cache: true,
    inputs: [
      filled && literalGlob(root) === root ? '{projectRoot}/**/*' : `{workspaceRoot}/${literalGlob(root)}/**/*`,
      ...pytestContext(options.pluginsDir, family.root),
      provdCode,
      { env: 'PROVD_PYTHON' },
    ],
    outputs: [`{workspaceRoot}/${literalGlob(recordPath(options.distDir, name))}`],
    metadata: {
      description: `Run the pytest tests of ${root}/tests/ (if any) from the collection root, the family importable as plugins.<family>; every model copying ${folder}/ depends on it`,
      technologies: TECHNOLOGIES,
      help: targetHelp(name, 'test'),
    },
  };
}

export function familyTestTarget(family: FamilyRecipe): TargetConfiguration {
  const ids = family.models.map((m) => m.pluginId);
  return {
    executor: 'nx:noop',
    // nothing of its own to hash or restore: cached, so that a run whose tests all hit is all hits
    cache: true,
    inputs: [],
    dependsOn: [{ projects: ids, target: 'test', params: 'forward' }],
    metadata: {
      description: `Test every model of ${family.name} (${ids.length}), and the shared folders they copy; options are passed on to each model`,
      technologies: TECHNOLOGIES,
      help: targetHelp(ids[0] ?? family.name, 'test'),
    },
  };
}
