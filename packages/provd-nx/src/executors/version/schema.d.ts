export interface VersionExecutorSchema {
  bump?: string | number;
  base?: string;
  check?: boolean;
  dryRun?: boolean;
  channel?: 'testing' | 'stable';
  repository?: string;
  rule?: 'channel' | 'git';
  commit?: boolean;
}
