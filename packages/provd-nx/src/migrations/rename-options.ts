import { getProjects, logger, readNxJson, Tree, updateNxJson, updateProjectConfiguration } from '@nx/devkit';
import type { TargetConfiguration } from '@nx/devkit';
import { PLUGIN_NAME } from '../runtime/names';
import { RENAMED_OPTIONS, RenamedOption } from './renamed-options';

/**
 * Renames options of @provd/nx that a release renamed (renamed-options.ts):
 * the plugin's options in nx.json, and the options (and every configuration's)
 * of targets running its executors, in nx.json's targetDefaults and in
 * project.json files. A value already under the new name is kept and the old
 * one dropped. Idempotent.
 */
export async function renameOptions(tree: Tree, table: readonly RenamedOption[] = RENAMED_OPTIONS): Promise<string[]> {
  const changes: string[] = [];
  if (!table.length) return changes;

  const nxJson = readNxJson(tree);
  if (nxJson) {
    let changed = false;
    for (const [i, entry] of (nxJson.plugins ?? []).entries()) {
      if (typeof entry === 'string' || entry.plugin !== PLUGIN_NAME || !entry.options) continue;
      changed = rename(entry.options as Record<string, unknown>, 'plugin', table, `nx.json plugins[${i}].options`, changes) || changed;
    }
    // a targetDefaults value is one entry, or (Nx 23.3+) an array of filtered ones; each is found by its
    // executor, its filter's executor, or a key naming the executor
    for (const [key, value] of Object.entries(nxJson.targetDefaults ?? {})) {
      const entries: (Partial<TargetConfiguration> & { filter?: { executor?: string } })[] = Array.isArray(value) ? value : [value];
      for (const [i, target] of entries.entries()) {
        const executor = scopeOf(executorName(target.executor ?? target.filter?.executor ?? key), target);
        const where = `nx.json targetDefaults["${key}"]${Array.isArray(value) ? `[${i}]` : ''}`;
        if (executor) changed = renameInTarget(target, executor, table, where, changes) || changed;
      }
    }
    if (changed) updateNxJson(tree, nxJson);
  }

  for (const [name, project] of getProjects(tree)) {
    // only files the user wrote: inferred projects have no project.json to rewrite
    if (!tree.exists(`${project.root}/project.json`)) continue;
    let changed = false;
    for (const [targetName, target] of Object.entries(project.targets ?? {})) {
      const executor = scopeOf(executorName(target.executor), target);
      if (executor) changed = renameInTarget(target, executor, table, `${project.root}/project.json targets.${targetName}`, changes) || changed;
    }
    if (changed) updateProjectConfiguration(tree, name, project);
  }

  for (const change of changes) logger.info(`@provd/nx: renamed ${change}`);
  return changes;
}

/** `publish` for `@provd/nx:publish`, undefined for another plugin's executor */
function executorName(executor: string | undefined): string | undefined {
  return executor?.startsWith(`${PLUGIN_NAME}:`) ? executor.slice(PLUGIN_NAME.length + 1) : undefined;
}

/** The release executor runs build, version or publish: its options are those of the step it runs. */
function scopeOf(executor: string | undefined, target: Partial<TargetConfiguration>): string | undefined {
  return executor === 'release' ? (target.options?.step as string | undefined) : executor;
}

function renameInTarget(target: Partial<TargetConfiguration>, executor: string, table: readonly RenamedOption[], where: string, changes: string[]): boolean {
  let changed = false;
  if (target.options) changed = rename(target.options, executor, table, `${where}.options`, changes) || changed;
  for (const [configuration, options] of Object.entries(target.configurations ?? {})) {
    changed = rename(options, executor, table, `${where}.configurations.${configuration}`, changes) || changed;
  }
  return changed;
}

function rename(options: Record<string, unknown>, scope: string, table: readonly RenamedOption[], where: string, changes: string[]): boolean {
  let changed = false;
  for (const row of table) {
    if (row.scope !== scope || !(row.from in options)) continue;
    if (!(row.to in options)) options[row.to] = options[row.from];
    delete options[row.from];
    changes.push(`${where}: ${row.from} -> ${row.to}`);
    changed = true;
  }
  return changed;
}

/** What migrations.json runs (`nx migrate`): the shipped table. */
export default async function renameOptionsMigration(tree: Tree): Promise<void> {
  await renameOptions(tree);
}
