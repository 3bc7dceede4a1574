/** `nx run provd-repository:serve`: the provd-repo server on the workspace's repository folder, until interrupted. */
import type { ExecutorContext } from '@nx/devkit';
import { resolve } from 'node:path';
import { serve } from '../../serve';
import type { ServeExecutorSchema } from './schema';

export default async function serveExecutor(options: ServeExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  let app: Awaited<ReturnType<typeof serve>>;
  try {
    app = await serve({ ...options, root: resolve(context.root, options.root), tokens: options.tokens && resolve(context.root, options.tokens) }, (l) => console.log(l));
  } catch (e) {
    console.error(`provd-repo: ${(e as Error).message}`);
    return { success: false };
  }
  // a continuous task: Nx stops it with a signal; requests in flight finish first
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.log(`provd-repo: ${signal}: finishing requests in flight, then exiting`);
      app.close().then(() => done(), () => done());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return { success: true };
}
