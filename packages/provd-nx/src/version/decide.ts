/**
 * The version decision, taken once for the `version` target and for `nx release version`:
 * compare the current package with what the channel released (release-state.ts); when the
 * channel cannot be read, fall back to the git-base rule (changed since the base and the
 * version not moved yet).
 */
import type { Model } from '../build/model';
import { describeState, type DigestCache, needsBump, releaseState, type ReleaseState } from '../channel/release-state';
import type { Bump } from '../format/provd-version';
import type { ChannelBackend } from '../repository/backend';
import { provdEnv } from '../runtime/env';
import { planVersion, type VersionPlan } from './version';

export type VersionDecision =
  | { rule: 'released'; bump: boolean; why: string; state: ReleaseState }
  | { rule: 'git'; bump: boolean; why: string; plan: VersionPlan; base: string; error: string };

/** The git base versions are measured from: the option, then nx affected's --base (PROVD_BASE, set by our hook), NX_BASE, nx.json's defaultBase, main. */
export function versionBase(option: string | undefined, defaultBase: string | undefined): string {
  return option || provdEnv('base') || process.env.NX_BASE || defaultBase || 'main';
}

/** The git-base rule's decision; `error` says why the channel could not decide, `what` which step failed. */
export function gitDecision(root: string, model: Model, base: string, bump: Bump, what: string, error: string): VersionDecision & { rule: 'git' } {
  const plan = planVersion(root, model, base, bump);
  return { rule: 'git', bump: plan.state === 'bump', why: `changed since ${base} (${what}: ${error})`, plan, base, error };
}

export interface DecideOptions {
  root: string;
  model: Model;
  current: string;
  /** the current sources' package, built */
  builtPackage: string;
  channelName: string;
  /** opens the channel: an error here (a bad location) counts as unreadable too */
  channel: () => ChannelBackend;
  digests: DigestCache;
  base: string;
  bump: Bump;
}

export async function decideVersion(o: DecideOptions): Promise<VersionDecision> {
  let state: ReleaseState;
  try {
    state = await releaseState(o.channel(), o.model.pluginId, o.current, o.builtPackage, o.digests);
  } catch (e) {
    return gitDecision(o.root, o.model, o.base, o.bump, `${o.channelName} unreadable`, (e as Error).message.split('\n')[0]);
  }
  return { rule: 'released', bump: needsBump(state), why: describeState(state, o.channelName), state };
}
