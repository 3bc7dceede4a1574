export interface PromoteExecutorSchema {
  models?: string | string[];
  from?: 'testing' | 'stable' | 'archive';
  to?: 'testing' | 'stable';
  version?: string;
  dryRun?: boolean;
  allowDowngrade?: boolean;
  prune?: boolean;
  repository?: string;
  /** promote models no test passed on (named in the summary and the run's log) */
  skipTest?: boolean;
  /** promote nothing if any model is refused */
  allOrNothing?: boolean;
}
