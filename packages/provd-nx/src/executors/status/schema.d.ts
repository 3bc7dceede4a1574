export interface StatusExecutorSchema {
  json?: boolean;
  repository?: string;
}
