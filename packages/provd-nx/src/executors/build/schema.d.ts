export interface BuildExecutorSchema {
  verbose?: boolean;
}
