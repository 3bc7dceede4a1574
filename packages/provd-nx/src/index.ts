export { createNodes, createNodesV2, createDependencies } from './plugins/plugin';
export type { ProvdPluginOptions } from './lib/options';
