export interface BuildExecutorSchema {
  verbose?: boolean;
  dryRun?: boolean;
  /** set by inference: only there to be hashed */
  unhashedInputs?: string;
}
