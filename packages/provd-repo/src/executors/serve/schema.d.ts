import type { ServeOptions } from '../../serve';

/** schema.json's options: those of `provd-repo serve` (root relative to the workspace). */
export type ServeExecutorSchema = ServeOptions;
