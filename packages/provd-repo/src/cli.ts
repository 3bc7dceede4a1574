/** `provd-repo serve --root <dir> [--port 8667] [--host 127.0.0.1] [--prefix /plugins/2]... [--tokens <file>]` */
import { parseArgs } from 'node:util';
import { DEFAULT_BODY_LIMIT } from './server';
import { serve } from './serve';

const USAGE = `usage: provd-repo serve --root <dir> [--port <port>] [--host <addr>] [--prefix /plugins/2]... [--tokens <file>] [--body-limit <bytes>]
  serves every channel folder under --root at <prefix>/<channel>/ (default prefix /plugins/2, host 127.0.0.1, port 8667);
  write tokens from --tokens and PROVD_REPO_TOKENS, one "<token> <channel>[,<channel>]" or "<token> *" per line`;

export async function main(argv: string[]): Promise<void> {
  try {
    const [command, ...rest] = argv;
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
      },
      strict: true,
    });
    if (!values.root) throw new Error('--root is required');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port number`);
    const bodyLimit = values['body-limit'] ? Number(values['body-limit']) : DEFAULT_BODY_LIMIT;
    if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) throw new Error(`--body-limit ${values['body-limit']}: not a byte count`);
    const app = await serve({ root: values.root, port, host: values.host, prefix: values.prefix, tokens: values.tokens, bodyLimit }, (l) => console.log(l));
    let closing = false;
    const stop = (signal: string) => {
      if (closing) return;
      closing = true;
      console.log(`provd-repo: ${signal}: finishing requests in flight, then exiting`);
      app.close().then(
        () => process.exit(0),
        (e) => {
          console.error(`provd-repo: ${(e as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (e) {
    console.error(`provd-repo: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
