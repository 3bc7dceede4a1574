/**
 * `@provd/nx`: the Nx plugin (what nx.json's "plugins" entry loads: createNodes, createNodesV2,
 * createDependencies and the task hooks), its options, and what provd defines (plugin ids,
 * plugin-info, provd's JSON and versions, package names, plugins.db).
 *
 * Repositories, channels and publishing are `@provd/nx/repository`: kept out of this entry so
 * that the plugin workers Nx starts do not load them.
 */
export { createNodes, createNodesV2, createDependencies, preTasksExecution, postTasksExecution } from './plugins/plugin';
export type { ProvdPluginOptions } from './runtime/options';
export * from './format';
