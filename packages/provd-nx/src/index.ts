export { createNodes, createNodesV2, createDependencies, preTasksExecution, postTasksExecution } from './plugins/plugin';
export type { ProvdPluginOptions } from './runtime/options';
