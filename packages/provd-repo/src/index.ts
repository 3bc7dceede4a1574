/**
 * `@provd/repo`: the provd repository server. `serve()` starts it on a repository folder (what
 * `provd-repo serve` and `nx run provd-repository:serve` run); `createServer()` builds the
 * fastify app without listening; `main()` is the CLI.
 */
export { serve, type ServeOptions } from './serve';
export { createServer, DEFAULT_BODY_LIMIT } from './server';
export { loadTokens, parseTokens } from './tokens';
export { main } from './cli';
