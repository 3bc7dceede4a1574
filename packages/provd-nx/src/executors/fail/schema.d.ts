export interface FailExecutorSchema {
  message: string;
}
