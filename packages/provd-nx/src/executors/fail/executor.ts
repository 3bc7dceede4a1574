import type { FailExecutorSchema } from './schema';

/** The target of a broken family or model: say why it cannot run, and fail. */
export default async function failExecutor(options: FailExecutorSchema) {
  console.error(`error: ${options.message}`);
  return { success: false };
}
