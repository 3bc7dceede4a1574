/**
 * The real provd as a test client: `consumer.py` installs, loads and configures
 * every plugin of a channel (folder or URL) with provd's own PluginManager.
 * It lives beside the repository, at <repo>/../shared/provd/consumer.py;
 * PROVD_CONSUMER points elsewhere (e.g. from a git worktree).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface ConsumerResult {
  code: number;
  stdout: string;
  stderr: string;
  /** `provd-consumer: N plugins installed, M failed` */
  lastLine: string;
}

/** The consumer script, or a clear error saying where it was looked for. */
export function provdConsumerPath(): string {
  const path = process.env.PROVD_CONSUMER || join(REPO_ROOT, '..', 'shared', 'provd', 'consumer.py');
  if (!existsSync(path)) {
    throw new Error(
      `the real provd test client is missing: ${path} does not exist ` +
        '(expected at ../shared/provd/consumer.py beside the repository; set PROVD_CONSUMER to its path)'
    );
  }
  return path;
}

/**
 * Runs the consumer asynchronously (a channel served by this very process must
 * keep answering) and resolves with its exit code and output, never rejecting
 * on a non-zero exit.
 */
export function runProvdConsumer(channel: string, args: string[] = []): Promise<ConsumerResult> {
  const script = provdConsumerPath();
  return new Promise((done) => {
    execFile('python3', [script, channel, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const lines = stdout.trimEnd().split('\n');
      done({ code, stdout, stderr, lastLine: lines[lines.length - 1] ?? '' });
    });
  });
}
