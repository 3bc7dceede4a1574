/**
 * The provd-repo CLI as its own process on 127.0.0.1 (ephemeral port): for specs that run
 * nx synchronously, which would block a server living in the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../bin/provd-repo.js');

export interface CliServer {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/plugins/2` */
  base: string;
  /** Everything the server printed so far (one line per request). */
  output(): string;
  close(): Promise<void>;
}

export async function startCliServer(root: string, tokens: string, args: string[] = []): Promise<CliServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--root', root, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PROVD_REPO_TOKENS: tokens },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+\/plugins\/2)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`provd-repo exited ${code}: ${out}`)));
  });
  return {
    child,
    base,
    output: () => out,
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
