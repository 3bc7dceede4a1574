export interface BuildExecutorSchema {
  verbose?: boolean;
  /** set by inference: only there to be hashed */
  unhashedInputs?: string;
}
