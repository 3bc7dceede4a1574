import { availableParallelism } from 'node:os';
import type { ProvdMetadata } from '../../build/model';
import { modelVersion } from '../../build/model';
import { pluginOptions } from '../shared/context';
import { batchExecutor, executor, TaskBody } from '../shared/task';
import { provdPythonPath } from '../../runtime/provd-python-path';
import { isCI, testProject } from '../../testing/project-test';
import type { TestExecutorSchema } from './schema';

const DEFAULT_TIMEOUT_S = 120;

const test: TaskBody<TestExecutorSchema> = async (options, context, out) => {
  const project = context.projectName!;
  const meta = context.projectsConfigurations.projects[project]?.metadata?.provd as ProvdMetadata | undefined;
  if (meta?.kind !== 'model' && meta?.kind !== 'shared') {
    out.error(`error: ${project} is not a provd model or shared folder`);
    return false;
  }
  const opts = pluginOptions(context);
  try {
    const record = await testProject({
      workspaceRoot: context.root,
      pluginsDir: opts.pluginsDir,
      distDir: opts.distDir,
      project,
      kind: meta.kind,
      familyRoot: meta.kind === 'model' ? meta.familyRoot : context.projectsConfigurations.projects[meta.family]?.root ?? `${opts.pluginsDir}/${meta.family}`,
      folder: meta.folder,
      version: meta.kind === 'model' ? modelVersion(context.root, meta) : undefined,
      pythonPath: provdPythonPath(opts.provdPythonPath, context.root),
      timeoutMs: (options.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
      update: options.update === true,
      ci: isCI(),
      skipPytest: options.skipPytest,
      skipSmoke: options.skipSmoke,
      log: out.log,
      error: out.error,
    });
    return record.ok;
  } catch (e) {
    out.error(`error: ${project}: ${(e as Error).message}`);
    return false;
  }
};

export default executor(test);
// each task waits on python3 children: one per core
export const batchTest = batchExecutor(test, availableParallelism());
