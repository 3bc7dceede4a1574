export interface VerifyExecutorSchema {
  channel?: 'testing' | 'stable' | 'archive';
  repository?: string;
}
