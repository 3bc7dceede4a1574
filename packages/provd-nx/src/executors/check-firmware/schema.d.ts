export interface CheckFirmwareExecutorSchema {
  offline?: boolean;
  download?: boolean;
  install?: boolean;
  fix?: boolean;
  dryRun?: boolean;
  json?: boolean;
  timeout?: number;
  retries?: number;
  backoff?: number;
  concurrency?: number;
  perHost?: number;
  maxAge?: number;
  mirror?: string[] | string;
  provdPythonPath?: string;
  cacheDir?: string;
}
