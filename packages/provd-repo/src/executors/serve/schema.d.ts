export interface ServeExecutorSchema {
  root: string;
  port?: number;
  host?: string;
  prefix?: string[];
  tokens?: string;
  bodyLimit?: number;
}
