/** The @provd/nx plugin: what Nx loads from nx.json's plugins. */
export { createNodes, createNodesV2 } from './create-nodes';
export { REPOSITORY_PROJECT } from './project-configs';
export { modelInputs } from './model-inputs';
export { createDependencies } from './create-dependencies';
export { postTasksExecution, preTasksExecution } from './task-hooks';
export { PLUGIN_NAME } from '../runtime/names';
