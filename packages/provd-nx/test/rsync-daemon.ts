import { type ChildProcess, spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port';

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A real `rsync --daemon` on 127.0.0.1 for the calling describe block, serving one writable
 * module `provd` from `<dir>/rsyncd-module` (`dir` is the spec's temporary folder, which must
 * exist by the time this block's tests start). `url()` is `rsync://127.0.0.1:<port>/provd`,
 * `moduleDir()` the folder behind it. Tuned as a production daemon would be: no reverse DNS
 * lookups, and TCP_NODELAY (else each small exchange may wait ~40 ms for a delayed ACK).
 */
export function useRsyncDaemon(dir: () => string): { url: () => string; moduleDir: () => string } {
  let daemon: ChildProcess | undefined;
  let url: string | undefined;
  const moduleDir = () => path.join(dir(), 'rsyncd-module');
  beforeAll(async () => {
    await fsp.mkdir(moduleDir(), { recursive: true });
    const port = await freePort();
    const conf = path.join(dir(), 'rsyncd.conf');
    await fsp.writeFile(
      conf,
      `use chroot = no\nreverse lookup = no\nsocket options = TCP_NODELAY\npid file = ${path.join(dir(), 'rsyncd.pid')}\n[provd]\n  path = ${moduleDir()}\n  read only = no\n  uid = root\n  gid = root\n`,
    );
    daemon = spawn('rsync', ['--daemon', '--no-detach', `--config=${conf}`, `--port=${port}`, '--address=127.0.0.1', `--log-file=${path.join(dir(), 'rsyncd.log')}`], {
      stdio: 'ignore',
    });
    await waitForPort(port);
    url = `rsync://127.0.0.1:${port}/provd`;
  });
  afterAll(async () => {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const closed = new Promise((r) => daemon!.once('close', r));
      daemon.kill('SIGTERM');
      await closed;
    }
  });
  return {
    url: () => {
      if (!url) throw new Error('the rsync daemon runs only while the block\'s tests run');
      return url;
    },
    moduleDir,
  };
}
