export interface VersionExecutorSchema {
  bump?: string;
  base?: string;
  check?: boolean;
  dryRun?: boolean;
}
