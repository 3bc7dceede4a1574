import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { resolveBase, changedFiles, showFile } from './git';
import { parsePluginInfo, withVersion } from '../format/plugin-info';
import { isJsonObject, parseJson } from '../format/python-json';
import { Model, modelInputPaths, pluginInfoPath } from '../build/model';
import { Bump, checkVersion, isKeywordBump, isVersion, nextVersion } from '../format/provd-version';
import { SNAPSHOT_DIR } from '../format/snapshot-dir';

export { nextVersion };
export type { Bump };

export interface VersionPlan {
  pluginId: string;
  file: string;
  current: string;
  /** the version at the base commit, null for a model new since the base */
  atBase: string | null;
  /** inputs changed since the base (the model's own plugin-info version line aside) */
  changed: string[];
  /** 'bump': changed and not yet moved; 'moved': already bumped; 'unchanged' */
  state: 'bump' | 'moved' | 'unchanged' | 'new';
  next?: string;
}

/** Decide what the version target does for one model. Pure apart from reading git and plugin-info. */
export function planVersion(root: string, model: Model, base: string, bump: Bump = 'patch'): VersionPlan {
  const file = pluginInfoPath(model);
  const text = readFileSync(join(root, file), 'utf8');
  const current = parsePluginInfo(text, file).version;
  const baseCommit = resolveBase(root, base);
  // snapshots are not packaged: updating them moves no version
  const snapshots = `${posix.join(model.familyRoot, model.folder, SNAPSHOT_DIR)}/`;
  const changedInputs = changedFiles(root, baseCommit, modelInputPaths(model)).filter((f) => !f.startsWith(snapshots));
  // an untouched plugin-info is the base's own: no need to ask git for it
  const before = changedInputs.includes(file) ? showFile(root, baseCommit, file) : text;
  let atBase: string | null = null;
  if (before !== null) {
    try {
      const info = parseJson(before, `${file} at ${base}`);
      atBase = isJsonObject(info) && typeof info.version === 'string' ? info.version : null;
    } catch {
      atBase = null;
    }
  }
  // plugin-info counts as changed only if something besides its version changed
  const changed = changedInputs.filter(
    (f) => f !== file || before === null || withVersion(before, current, file) !== text
  );
  const plan: VersionPlan = { pluginId: model.pluginId, file, current, atBase, changed, state: 'unchanged' };
  const exact = !isKeywordBump(bump) && isVersion(bump);
  // an exact version may replace one we cannot handle; anything else needs the current one
  if (!exact) checkVersion(current, file);
  if (exact) {
    // an exact version is a decision, not a reaction to changes
    if (bump !== current) Object.assign(plan, { state: 'bump', next: bump });
  } else if (before === null) plan.state = 'new';
  else if (atBase !== current) plan.state = 'moved';
  else if (changed.length > 0) {
    plan.state = 'bump';
    plan.next = nextVersion(current, bump);
  }
  return plan;
}

/** Write the bumped version, keeping the file's formatting byte for byte. */
export function applyVersion(root: string, plan: VersionPlan): void {
  if (plan.state !== 'bump' || !plan.next) return;
  const path = join(root, plan.file);
  writeFileSync(path, withVersion(readFileSync(path, 'utf8'), plan.next, plan.file));
}
