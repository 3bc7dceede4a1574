import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { buildModel } from '../../build/build';
import { type Model, pluginInfoPath } from '../../build/model';
import { packagePath } from '../../format/package-name';
import { readPluginInfo } from '../../format/plugin-info';
import { type DigestCache, digestCacheDir } from '../../channel/release-state';
import { decideVersion } from '../../version/decide';
import { fixCommand } from '../shared/bump-commit';
import { applyVersion, nextVersion, planVersion, type VersionPlan } from '../../version/version';
import { isKeywordBump, isVersion } from '../../format/provd-version';
import { bumpOf, isDryRun, modelOf, pluginIds, pluginOptions, repositoryOf, versionBase } from '../shared/context';
import { recordRun } from '../shared/run-log';
import { withBuildDist } from '../shared/dry-run';
import { batchExecutor, executor, TaskBody, TaskOutput } from '../shared/task';
import type { VersionExecutorSchema } from './schema';

export const version: TaskBody<VersionExecutorSchema> = async (options, context, out) => {
  const model = modelOf(context);
  const file = pluginInfoPath(model);
  const bump = bumpOf(options.bump);
  try {
    const current = readPluginInfo(join(context.root, file), file).version;
    // an exact version is a decision, not a reaction to changes: the git rule applies it
    if (options.rule === 'git' || (!isKeywordBump(bump) && isVersion(bump))) return await gitRule(options, context, out, model, bump);
    const channelName = options.channel ?? 'testing';
    const dryRun = isDryRun(options.dryRun);
    // a dry run's builds and digests go to its scratch folder (see executors/shared/dry-run.ts)
    return await withBuildDist(context.root, pluginOptions(context).distDir, dryRun, async (dist) => {
      const decision = await decideVersion({
        root: context.root,
        model,
        current,
        builtPackage: await currentPackage(context, model, current, dryRun, dist),
        channelName,
        channel: () => repositoryOf(options.repository, context).channel(channelName),
        digests: digestCache(context, dryRun, dist),
        base: versionBase(options.base, context),
        bump,
      });
      if (decision.rule === 'git') {
        out.log(`${model.pluginId}: the ${channelName} channel cannot be read (${decision.error}): falling back to the git-base rule`);
        return await applyGitPlan(options, context, out, decision.plan, decision.base);
      }
      const { state, why } = decision;
      if (!decision.bump) {
        out.log(`${model.pluginId}: ${current} (${why})`);
        recordRun({ task: 'version', pluginId: model.pluginId, from: current, status: state.kind, file });
        return true;
      }
      if (options.check) {
        out.error(`${model.pluginId}: contents changed without a version bump: still ${current} (${why}); fix: ${fixCommand(model.pluginId)}`);
        recordRun({ task: 'version', pluginId: model.pluginId, from: current, status: 'needs bump', file });
        return false;
      }
      // behind with the same contents: take the released version (publish then finds it already there)
      const next = state.kind === 'behind' ? (state.sameContents ? state.released : nextVersion(state.released, bump)) : nextVersion(current, bump);
      const plan: VersionPlan = { pluginId: model.pluginId, file, current, atBase: current, changed: [], state: 'bump', next };
      return await applyBump(context, out, model, plan, dryRun, ` (${why})`, options.commit);
    });
  } catch (e) {
    out.error(`error: ${(e as Error).message}`);
    return false;
  }
};

/**
 * The package of the current sources: built by the build task this depends on, or now, into
 * `dist`. A dry run's build task built into the run's scratch folder (`dist` then; dist/ may
 * hold another build under this version): that one first, else what a real run would read.
 */
async function currentPackage(context: ExecutorContext, model: Model, current: string, dryRun: boolean, dist: string): Promise<string> {
  const candidates = [...(dryRun ? [packagePath(dist, model.pluginId, current)] : []), packagePath(join(context.root, pluginOptions(context).distDir), model.pluginId, current)];
  const found = candidates.find((file) => existsSync(file));
  if (found) return found;
  return (await buildModel(context.root, model, dist, pluginIds(context))).packageFile;
}

/** Digests of released packages: cached in dist/; a dry run reads that cache but writes its scratch folder's. */
function digestCache(context: ExecutorContext, dryRun: boolean, dist: string): DigestCache {
  const cache = digestCacheDir(context.root, pluginOptions(context).distDir);
  return dryRun ? [digestCacheDir(context.root, dist), cache] : cache;
}

/** Write the bump and rebuild, so dist/ holds the package publish will release. */
async function applyBump(context: ExecutorContext, out: TaskOutput, model: Model, plan: VersionPlan, dry: boolean, what: string, commit?: boolean): Promise<boolean> {
  if (!dry) {
    applyVersion(context.root, plan);
    await buildModel(context.root, model, pluginOptions(context).distDir, pluginIds(context));
  }
  out.log(`${plan.pluginId}: ${plan.current} -> ${plan.next}${dry ? ' (dry run, nothing written)' : ''}${what}`);
  recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, to: plan.next, status: dry ? 'would bump' : 'bumped', file: plan.file, ...(commit ? { commit } : {}) });
  return true;
}

/** The offline rule: bump when the model's inputs changed since the git base and its version has not moved. */
async function gitRule(options: VersionExecutorSchema, context: ExecutorContext, out: TaskOutput, model: Model, bump: string): Promise<boolean> {
  const base = versionBase(options.base, context);
  return applyGitPlan(options, context, out, planVersion(context.root, model, base, bump), base);
}

async function applyGitPlan(options: VersionExecutorSchema, context: ExecutorContext, out: TaskOutput, plan: VersionPlan, base: string): Promise<boolean> {
  const model = modelOf(context);
  const what = plan.changed.length ? ` (${plan.changed.length} file(s) changed since ${base}: ${plan.changed.slice(0, 3).join(', ')}${plan.changed.length > 3 ? ', ...' : ''})` : '';
  if (options.check) {
    if (plan.state === 'bump') {
      out.error(`${plan.pluginId}: changed since ${base} without a version bump: still ${plan.current}${what}; fix: ${fixCommand(plan.pluginId)}`);
      recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, status: 'needs bump', file: plan.file });
      return false;
    }
    out.log(`${plan.pluginId}: ${plan.current} ok (${plan.state})`);
    return true;
  }
  if (plan.state !== 'bump') {
    const why = plan.state === 'moved' ? `already moved from ${plan.atBase}` : plan.state === 'new' ? `new since ${base}` : `unchanged since ${base}`;
    out.log(`${plan.pluginId}: ${plan.current} (${why})`);
    recordRun({ task: 'version', pluginId: plan.pluginId, from: plan.current, status: plan.state, file: plan.file });
    return true;
  }
  return applyBump(context, out, model, plan, isDryRun(options.dryRun), what, options.commit);
}

export default executor(version);
export const batchVersion = batchExecutor(version);
