export interface PromoteExecutorSchema {
  models?: string | string[];
  from?: 'testing' | 'stable' | 'archive';
  to?: 'testing' | 'stable';
  version?: string;
  dryRun?: boolean;
  allowDowngrade?: boolean;
  prune?: boolean;
  repository?: string;
}
