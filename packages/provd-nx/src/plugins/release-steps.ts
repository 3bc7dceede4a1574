import type { TargetConfiguration } from '@nx/devkit';
import { PLUGIN_NAME, RELEASE_STEPS, type ReleaseStep } from '../runtime/names';

/** The executor behind the three steps: one executor, so that Nx batches a model's chain in one process. */
export const RELEASE_EXECUTOR = `${PLUGIN_NAME}:release`;

type Defaults = Record<string, unknown>;

/**
 * Whether nx.json's targetDefaults name a step's own executor (`@provd/nx:publish` as a key,
 * or in a filter or entry of Nx 23.3+'s arrays). Such defaults apply only to targets running
 * that executor, so the targets keep the per-step executors (three batch processes per
 * chain) rather than silently lose the user's options.
 */
export function targetDefaultsNameStepExecutors(targetDefaults: Defaults | undefined): boolean {
  const own = new Set(RELEASE_STEPS.map((s) => `${PLUGIN_NAME}:${s}`));
  for (const [key, value] of Object.entries(targetDefaults ?? {})) {
    if (own.has(key)) return true;
    for (const entry of (Array.isArray(value) ? value : [value]) as Array<{ executor?: unknown; filter?: { executor?: unknown } } | null>) {
      if (own.has(String(entry?.executor)) || own.has(String(entry?.filter?.executor))) return true;
    }
  }
  return false;
}

/** The executor and options a step's target runs with (`options`: the target's own). */
export function stepExecutor(step: ReleaseStep, perStep: boolean, options: Record<string, unknown> = {}): Pick<TargetConfiguration, 'executor' | 'options'> {
  if (perStep) return Object.keys(options).length ? { executor: `${PLUGIN_NAME}:${step}`, options } : { executor: `${PLUGIN_NAME}:${step}` };
  return { executor: RELEASE_EXECUTOR, options: { ...options, step } };
}

/** Whether a target runs a step (e.g. the build), by either executor. */
export function runsStep(target: TargetConfiguration | undefined, step: ReleaseStep): boolean {
  if (!target?.executor) return false;
  return target.executor === `${PLUGIN_NAME}:${step}` || (target.executor === RELEASE_EXECUTOR && target.options?.step === step);
}
