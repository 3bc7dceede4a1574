export interface PublishExecutorSchema {
  channel?: 'testing' | 'stable';
  repository?: string;
  dryRun?: boolean;
  commit?: boolean;
  prune?: boolean;
  createRepository?: boolean;
}
