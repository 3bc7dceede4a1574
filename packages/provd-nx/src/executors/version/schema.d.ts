export interface VersionExecutorSchema {
  bump?: string | number;
  base?: string;
  check?: boolean;
  dryRun?: boolean;
}
