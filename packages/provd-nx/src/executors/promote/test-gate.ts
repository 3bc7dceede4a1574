/** The promote gate for an executor's context: records under distDir, the smoke test against the model's snapshots. */
import type { ExecutorContext } from '@nx/devkit';
import { resolve } from 'node:path';
import type { ChannelBackend } from '../../repository/backend';
import type { ProvdMetadata } from '../../build/model';
import { pluginOptions } from '../shared/context';
import { testGate } from '../../channel/promote-gate';
import { findPass } from '../../testing/record';
import { provdPythonPath } from '../../runtime/provd-python-path';
import { smokeTest } from '../../smoke/smoke';

const SMOKE_TIMEOUT_MS = 120_000;

export function contextGate(context: ExecutorContext, from: ChannelBackend, fromName: string, skipTest: boolean, log: (line: string) => void) {
  const opts = pluginOptions(context);
  const pythonPath = provdPythonPath(opts.provdPythonPath, context.root);
  const modelOf = (id: string) => {
    const meta = context.projectsConfigurations.projects[id]?.metadata?.provd as ProvdMetadata | undefined;
    return meta?.kind === 'model' ? meta : undefined;
  };
  return testGate({
    from,
    fromName,
    skipTest,
    log,
    findPass: (id, sha1) => findPass(context.root, opts.distDir, id, sha1),
    smoke: async (id, file) => {
      const model = modelOf(id);
      if (!model) return { ok: false, errors: [`${id} is not a model of this workspace: its snapshots are unknown`] };
      // compared with the snapshots as committed: a promote never writes them
      const r = await smokeTest({
        pluginId: id,
        packageFile: file,
        modelDir: resolve(context.root, model.familyRoot, model.folder),
        familyDir: resolve(context.root, model.familyRoot),
        pythonPath,
        timeoutMs: SMOKE_TIMEOUT_MS,
        update: false,
        ci: true,
      });
      return { ok: r.ok, errors: r.errors };
    },
  });
}
