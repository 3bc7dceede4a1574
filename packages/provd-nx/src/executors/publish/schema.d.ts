export interface PublishExecutorSchema {
  channel?: 'testing' | 'stable';
  repository?: string;
  dryRun?: boolean;
  createRepository?: boolean;
}
