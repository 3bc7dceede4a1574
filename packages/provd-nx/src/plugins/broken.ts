/**
 * Broken parts of a collection: a family whose recipe cannot be inferred, a model whose
 * plugin-info cannot be read, a plugin id declared twice. Real collections carry legacy
 * families, so none of these may fail the project graph: each is warned about once per
 * inference, its projects still appear, and their targets fail with the same message.
 */
import { CreateNodesResult, logger, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { basename, posix } from 'node:path';
import type { FamilyRecipe } from '../recipe/family';
import { sharedProjectName } from '../build/model';
import { PLUGIN_NAME } from '../runtime/names';
import { TECHNOLOGIES } from './technologies';

/** The targets a model (and a family, fanning out) offers. */
const TARGETS = ['version', 'build', 'test', 'publish', 'promote', 'status'] as const;

/** A family whose recipe could not be inferred: all we know is where it is and why. */
export interface BrokenFamily {
  root: string;
  error: string;
}

export function isBrokenFamily(x: object): x is BrokenFamily {
  return 'error' in x && !('recipe' in x);
}

/** Prefix `message` with `file` unless it already names it first. */
export function inFile(file: string, message: string): string {
  return message.startsWith(`${file}: `) ? message : `${file}: ${message}`;
}

export function warnBroken(message: string, what: string): void {
  logger.warn(`provd: ${message} (${what})`);
}

/** Targets that print `message` and fail. */
export function failingTargets(message: string): Record<string, TargetConfiguration> {
  return Object.fromEntries(
    TARGETS.map((t) => [
      t,
      {
        executor: `${PLUGIN_NAME}:fail`,
        cache: false,
        options: { message },
        metadata: { description: `Cannot ${t}: ${message}`, technologies: TECHNOLOGIES },
      } satisfies TargetConfiguration,
    ])
  );
}

/** The family project of a family whose recipe failed, its targets failing with the reason. */
export function brokenFamilyNodes({ root, error }: BrokenFamily): CreateNodesResult {
  const name = basename(root);
  warnBroken(error, `family ${name} is not inferred; its targets fail with this message`);
  return {
    projects: {
      [root]: {
        root,
        name,
        projectType: 'library',
        tags: ['type:family', `family:${name}`, 'provd:broken'],
        metadata: { description: `provd plugin family ${name}, NOT INFERRED: ${error}`, technologies: TECHNOLOGIES },
        targets: failingTargets(error),
      },
    },
  };
}

interface InferredFamily {
  recipe: FamilyRecipe;
  /** plugin id -> why its plugin-info cannot be read */
  problems?: Record<string, string>;
}

/** Model root -> why the model cannot be used, for plugin ids declared more than once. */
export function duplicatePluginIds(families: InferredFamily[], buildFile: string): Map<string, string> {
  const where = new Map<string, { root: string; at: string }[]>();
  for (const { recipe } of families) {
    for (const model of recipe.models) {
      const list = where.get(model.pluginId) ?? [];
      list.push({ root: posix.join(recipe.root, model.folder), at: `${posix.join(recipe.root, buildFile)} (target '${model.targetId}')` });
      where.set(model.pluginId, list);
    }
  }
  const broken = new Map<string, string>();
  for (const [id, list] of where) {
    if (list.length < 2) continue;
    const message = `plugin id '${id}' is declared twice: ${list.map((l) => l.at).join(' and ')}`;
    for (const { root } of list) broken.set(root, message);
  }
  return broken;
}

/**
 * Replace the projects of a family's broken models (unreadable plugin-info, duplicate id)
 * with projects whose targets fail with the reason, warning once per model. A duplicate id
 * cannot name two projects: those are named `<family>/<folder>`, and the family's fan-out
 * targets follow the rename.
 */
export function withBrokenModels(
  result: CreateNodesResult,
  { recipe, problems = {} }: InferredFamily,
  duplicates: Map<string, string>
): CreateNodesResult {
  const projects = result.projects!;
  const renamed = new Map<string, string>();
  for (const model of recipe.models) {
    const root = posix.join(recipe.root, model.folder);
    const message = problems[model.pluginId] ?? duplicates.get(root);
    if (!message) continue;
    const name = duplicates.has(root) ? sharedProjectName(recipe.name, model.folder) : model.pluginId;
    if (name !== model.pluginId) renamed.set(model.pluginId, name);
    warnBroken(message, `model ${name} of family ${recipe.name} is not inferred; its targets fail with this message`);
    projects[root] = {
      root,
      name,
      projectType: 'library',
      tags: ['type:model', `family:${recipe.name}`, 'provd:broken'],
      metadata: {
        description: `Model ${model.pluginId} (target '${model.targetId}' of ${recipe.name}), NOT INFERRED: ${message}`,
        technologies: TECHNOLOGIES,
      },
      targets: failingTargets(message),
    } satisfies ProjectConfiguration;
  }
  const family = projects[recipe.root];
  if (renamed.size && family?.targets) {
    for (const target of Object.values(family.targets)) {
      for (const dep of target.dependsOn ?? []) {
        if (typeof dep === 'object' && Array.isArray(dep.projects)) dep.projects = dep.projects.map((p) => renamed.get(p) ?? p);
      }
    }
  }
  return result;
}
