export interface TestExecutorSchema {
  /** write the snapshots from what provd generated now */
  update?: boolean;
  /** seconds for one model's or shared folder's tests (pytest and provd together) */
  timeout?: number;
  /** the summary as JSON (the end-of-run hook reads it from the command line) */
  json?: boolean;
  skipPytest?: boolean;
  skipSmoke?: boolean;
}
