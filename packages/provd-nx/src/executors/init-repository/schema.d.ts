export interface InitRepositoryExecutorSchema {
  repository?: string;
  dryRun?: boolean;
}
