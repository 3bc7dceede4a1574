/**
 * `provd-repo serve --root <dir> [--port 8667] [--host 127.0.0.1] [--prefix /plugins/2]... [--tokens <file>]`
 * `provd-repo init --root <dir> [--channel <name>]...`
 * `provd-repo nginx-config --root <dir> [...]`: an nginx site serving the channels itself, proxying the rest here
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createChannels, STANDARD_CHANNELS } from './channels';
import { isWorker, runPrimary, workerPeers } from './cluster';
import { NGINX_USAGE, nginxConfigMain } from './nginx-config';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_SERVER_LOCK_TIMEOUT_MS } from './server';
import { announce, serve } from './serve';
import { loadTokens } from './tokens';
import { DEFAULT_PACKAGE_LIMITS } from './domain';
import { DEFAULT_UPLOADS_PER_TOKEN } from './upload-slots';

const USAGE = `usage: provd-repo serve --root <dir> [--port <port>] [--host <addr>] [--prefix /plugins/2]... [--tokens <file>]
         [--body-limit <bytes>] [--body-idle-timeout <s>] [--body-timeout <s>] [--max-uploads-per-token <n>] [--lock-timeout <s>]
         [--max-unpacked-bytes <bytes>] [--max-members <n>] [--max-plugin-info-bytes <bytes>] [--workers <n>|auto] [--cache-mib <MiB>]
       provd-repo init --root <dir> [--channel <name>]...
  serve: serves every channel folder under --root at <prefix>/<channel>/ (default prefix /plugins/2, host 127.0.0.1, port 8667);
  write tokens from --tokens and PROVD_REPO_TOKENS, one "<token> <channel>[,<channel>]" or "<token> *" per line.
  A new (missing or empty) root starts with the channels ${STANDARD_CHANNELS.join(', ')}; any other channel is created with init.
  Defaults: body limit ${DEFAULT_BODY_LIMIT} bytes, idle ${DEFAULT_BODY_IDLE_TIMEOUT_MS / 1000} s, total ${DEFAULT_BODY_TIMEOUT_MS / 1000} s,
  ${DEFAULT_UPLOADS_PER_TOKEN} uploads in flight per token, lock wait ${DEFAULT_SERVER_LOCK_TIMEOUT_MS / 1000} s, packages up to
  ${DEFAULT_PACKAGE_LIMITS.maxUnpackedBytes} bytes unpacked, ${DEFAULT_PACKAGE_LIMITS.maxMembers} members, plugin-info ${DEFAULT_PACKAGE_LIMITS.maxPluginInfoBytes} bytes.
  --workers: processes answering on the port (auto: one per core; default 1); --cache-mib: downloads kept in memory, per worker (128).
  init: creates --root and the named channels (default ${STANDARD_CHANNELS.join(', ')}).
${NGINX_USAGE}`;

function positive(flag: string, value: string | undefined, scale = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value) * scale;
  if (!Number.isFinite(n) || n <= 0 || (scale === 1 && !Number.isSafeInteger(n))) throw new Error(`--${flag} ${value}: not a positive ${scale === 1 ? 'whole number' : 'number of seconds'}`);
  return n;
}

async function init(rest: string[]): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { root: { type: 'string' }, channel: { type: 'string', multiple: true } }, strict: true });
  if (!values.root) throw new Error('--root is required');
  await mkdir(values.root, { recursive: true });
  const created = await createChannels(values.root, values.channel?.length ? values.channel : STANDARD_CHANNELS);
  console.log(created.length ? `provd-repo: created ${created.join(', ')} in ${values.root}` : `provd-repo: ${values.root} already has these channels`);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const [command, ...rest] = argv;
    if (command === 'init') return await init(rest);
    if (command === 'nginx-config') return nginxConfigMain(rest);
    if (command !== 'serve') throw new Error(command ? `unknown command ${JSON.stringify(command)}` : 'missing command');
    const { values } = parseArgs({
      args: rest,
      options: {
        root: { type: 'string' },
        port: { type: 'string', default: '8667' },
        host: { type: 'string', default: '127.0.0.1' },
        prefix: { type: 'string', multiple: true },
        tokens: { type: 'string' },
        'body-limit': { type: 'string' },
        'body-idle-timeout': { type: 'string' },
        'body-timeout': { type: 'string' },
        'max-uploads-per-token': { type: 'string' },
        'lock-timeout': { type: 'string' },
        'max-unpacked-bytes': { type: 'string' },
        'max-members': { type: 'string' },
        'max-plugin-info-bytes': { type: 'string' },
        workers: { type: 'string', default: '1' },
        'cache-mib': { type: 'string' },
      },
      strict: true,
    });
    if (!values.root) throw new Error('--root is required');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port number`);
    const bodyLimit = positive('body-limit', values['body-limit']) ?? DEFAULT_BODY_LIMIT;
    const bounds = {
      bodyIdleTimeoutMs: positive('body-idle-timeout', values['body-idle-timeout'], 1000),
      bodyTimeoutMs: positive('body-timeout', values['body-timeout'], 1000),
      maxUploadsPerToken: positive('max-uploads-per-token', values['max-uploads-per-token']),
      lockTimeoutMs: positive('lock-timeout', values['lock-timeout'], 1000),
      packageLimits: {
        maxUnpackedBytes: positive('max-unpacked-bytes', values['max-unpacked-bytes']),
        maxMembers: positive('max-members', values['max-members']),
        maxPluginInfoBytes: positive('max-plugin-info-bytes', values['max-plugin-info-bytes']),
      },
    };
    const workers = values.workers === 'auto' ? availableParallelism() : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers ${values.workers}: not a process count (or auto)`);
    const cacheMiB = values['cache-mib'] === undefined ? undefined : Number(values['cache-mib']);
    if (cacheMiB !== undefined && !(cacheMiB >= 0)) throw new Error(`--cache-mib ${values['cache-mib']}: not a size in MiB`);
    const options = { root: values.root, port, host: values.host, prefix: values.prefix, tokens: values.tokens, bodyLimit, bounds, cacheMiB };
    if (workers > 1 && !isWorker()) {
      // the primary only hands connections to the workers and says where they listen;
      // a bad token file fails here, once, rather than in every worker
      loadTokens(values.tokens, process.env.PROVD_REPO_TOKENS);
      const address = await runPrimary(workers, (l) => console.log(l));
      console.log(`provd-repo: ${workers} workers`);
      announce(options, address, (l) => console.log(l));
      return;
    }
    // a worker is quiet: the primary speaks for all
    const app = await serve({ ...options, peers: isWorker() ? workerPeers() : undefined }, isWorker() ? () => undefined : (l) => console.log(l));
    onSignals(app);
  } catch (e) {
    console.error(`provd-repo: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function onSignals(app: { close(): Promise<unknown> }): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    if (!isWorker()) console.log(`provd-repo: ${signal}: finishing requests in flight, then exiting`);
    app.close().then(
      () => process.exit(0),
      (e) => {
        console.error(`provd-repo: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // a cluster's Ctrl-C reaches every process: the primary stops the workers
  process.on('SIGINT', () => (isWorker() ? undefined : stop('SIGINT')));
}
