/**
 * A local npm registry (verdaccio on 127.0.0.1), as Nx's own plugin e2e
 * tests use: packages published to it are installed from it, everything else
 * is proxied to the registry npm is configured with here.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './workspace';

export interface LocalRegistry {
  url: string;
  /** an npm userconfig pointing at this registry (with a token verdaccio accepts for publishing) */
  npmrc: string;
  /** environment for npm and npx commands that must use this registry only */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const uplink = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 30_000 }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'provd-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  mkdirSync(join(dir, 'storage'));
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${uplink}`,
      '    timeout: 120s',
      'packages:',
      "  '@provd/nx':",
      '    access: $all',
      '    publish: $all',
      "  '**':",
      '    access: $all',
      '    publish: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n')
  );
  const npmrc = join(dir, 'npmrc');
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=local-e2e\n`);
  const verdaccio = join(REPO_ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  const proc: ChildProcess = spawn(process.execPath, [verdaccio, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  try {
    await waitForPing(url, proc, () => log);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    // npm passes its own settings down as npm_config_*: none of them may point elsewhere
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
    return { ...clean, npm_config_userconfig: npmrc, npm_config_registry: url, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
  };
  return {
    url,
    npmrc,
    env,
    close: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill();
        // a verdaccio that ignores SIGTERM is killed, never waited on forever
        const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`verdaccio exited ${proc.exitCode}:\n${log()}`);
    try {
      const r = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`verdaccio did not answer on ${url}:\n${log()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
