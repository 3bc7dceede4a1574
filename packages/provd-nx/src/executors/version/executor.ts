import { bumpOf, isDryRun, modelOf, versionBase } from '../../utils/context';
import { recordRun } from '../../utils/run-log';
import { batchExecutor, executor, TaskBody } from '../../utils/task';
import { applyVersion, planVersion } from '../../version/version';
import type { VersionExecutorSchema } from './schema';

const version: TaskBody<VersionExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  const base = versionBase(options.base, context);
  let plan;
  try {
    plan = planVersion(context.root, model, base, bumpOf(options.bump));
  } catch (e) {
    out.error(`error: ${(e as Error).message}`);
    return false;
  }
  const what = plan.changed.length ? ` (${plan.changed.length} file(s) changed since ${base}: ${plan.changed.slice(0, 3).join(', ')}${plan.changed.length > 3 ? ', ...' : ''})` : '';
  if (options.check) {
    if (plan.state === 'bump') {
      out.error(`${plan.pluginId}: changed since ${base} without a version bump: still ${plan.current}${what}`);
      recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, status: 'needs bump' });
      return false;
    }
    out.log(`${plan.pluginId}: ${plan.current} ok (${plan.state})`);
    return true;
  }
  if (plan.state !== 'bump') {
    const why = plan.state === 'moved' ? `already moved from ${plan.atBase}` : plan.state === 'new' ? `new since ${base}` : `unchanged since ${base}`;
    out.log(`${plan.pluginId}: ${plan.current} (${why})`);
    recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, status: plan.state });
    return true;
  }
  const dry = isDryRun(options.dryRun);
  if (!dry) applyVersion(context.root, plan);
  out.log(`${plan.pluginId}: ${plan.current} -> ${plan.next}${dry ? ' (dry run, nothing written)' : ''}${what}`);
  recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, to: plan.next, status: dry ? 'would bump' : 'bumped' });
  return true;
};

export default executor(version);
export const batchVersion = batchExecutor(version);
