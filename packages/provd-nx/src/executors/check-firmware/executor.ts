/**
 * check-firmware: gathers the model's (or the family's models') pkgs.db files from the
 * project graph and hands them to the firmware library (src/firmware/check.ts).
 */
import type { ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isDryRun, pluginOptions } from '../shared/context';
import type { ProvdMetadata } from '../../build/model';
import { checkFirmware, type FirmwareMode, type FirmwareScope } from '../../firmware/check';
import { PKGS_DB } from '../../firmware/offline';
import { formatReport } from '../../firmware/report';
import { provdPythonPath } from '../../runtime/provd-python-path';
import { batchExecutor, executor, type TaskBody } from '../shared/task';
import type { CheckFirmwareExecutorSchema } from './schema';

export function firmwareScope(context: ExecutorContext): FirmwareScope {
  const metas = Object.values(context.projectsConfigurations.projects).map((p) => p.metadata?.provd as ProvdMetadata | undefined);
  const me = context.projectsConfigurations.projects[context.projectName!]?.metadata?.provd as ProvdMetadata | undefined;
  if (!me || me.kind === 'shared') throw new Error(`${context.projectName} is not a provd family or model`);
  const models = metas.flatMap((m) => (m?.kind === 'model' && m.family === me.family ? [m] : []));
  const pkgsDb = (m: (typeof models)[number]) => join(context.root, posix.join(m.familyRoot, m.folder, PKGS_DB));
  const withDb = models.filter((m) => existsSync(pkgsDb(m)));
  const chosen = me.kind === 'model' ? withDb.filter((m) => m.pluginId === me.pluginId) : withDb;
  return {
    models: chosen.map((m) => ({ model: m.pluginId, family: m.family, pkgsDb: pkgsDb(m) })),
    families: new Map([[me.family, withDb.map(pkgsDb)]]),
  };
}

export function parseMirrors(option: string[] | string | undefined): [string, string][] {
  const list = option === undefined ? [] : Array.isArray(option) ? option : [option];
  return list.map((m) => {
    const at = m.indexOf('=');
    if (at <= 0) throw new Error(`--mirror '${m}': expected PREFIX=REPLACEMENT`);
    return [m.slice(0, at), m.slice(at + 1)];
  });
}

/** One task body for single and batch runs (a family's task and its models' tasks share the result cache). */
const checkFirmwareTask: TaskBody<CheckFirmwareExecutorSchema> = async (options, context, out) => {
  const name = context.projectName!;
  try {
    const scope = firmwareScope(context);
    if (!scope.models.length) {
      out.log(`${name}: no ${PKGS_DB}: no firmware to check`);
      return true;
    }
    const mode: FirmwareMode = options.offline ? 'offline' : options.install ? 'install' : options.download ? 'download' : 'links';
    const { distDir } = pluginOptions(context);
    const report = await checkFirmware(scope, {
      root: context.root,
      mode,
      cacheDir: join(context.root, options.cacheDir ?? join(distDir, '.provd', 'firmware')),
      maxAgeSeconds: options.maxAge ?? 3600,
      timeoutSeconds: options.timeout ?? 20,
      retries: options.retries ?? 2,
      backoffMs: options.backoff ?? 1000,
      concurrency: options.concurrency ?? 16,
      perHost: options.perHost ?? 4,
      mirrors: parseMirrors(options.mirror),
      pythonPath: provdPythonPath(options.provdPythonPath ?? pluginOptions(context).provdPythonPath, context.root),
      fix: options.fix === true,
      dryRun: isDryRun(options.dryRun),
      maxBytes: 8 * 1024 ** 3,
    });
    if (options.json) out.log(JSON.stringify(report, null, 2));
    else out.log(`\n${formatReport(report, `${name} (${mode})`)}\n`);
    return !report.broken;
  } catch (e) {
    out.error(`error: ${name}: ${(e as Error).message}`);
    return false;
  }
};

export default executor(checkFirmwareTask);
// a few tasks at a time: each holds up to --concurrency requests of its own
export const batchCheckFirmware = batchExecutor(checkFirmwareTask, 4);
