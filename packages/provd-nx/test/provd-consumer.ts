/**
 * The real provd as a test client: consumer.py installs, loads and
 * configures every plugin of a channel with provd's own PluginManager.
 * Found through PROVD_CONSUMER, else as shared/provd/consumer.py next to
 * one of the folders holding this repository.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './workspace';

export function consumerScript(): string {
  const found = process.env.PROVD_CONSUMER ?? sharedFile('provd', 'consumer.py');
  if (!found) throw new Error('provd consumer.py not found: set PROVD_CONSUMER to its path');
  return found;
}

/** A file of the shared/ folder that sits next to one of the folders holding this repository. */
export function sharedFile(...parts: string[]): string | undefined {
  for (let dir = REPO_ROOT; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dirname(dir), 'shared', ...parts);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Runs the consumer on a channel folder; its output ends with "provd-consumer: N plugins installed, M failed". */
/** provd's own Python packages, beside the consumer. */
export function provdPythonPath(): string {
  return join(dirname(consumerScript()), 'pythonpath');
}

export function runConsumer(channel: string, args: string[] = []): { code: number; output: string } {
  const r = spawnSync('python3', [consumerScript(), channel, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, output: (r.stdout ?? '') + (r.stderr ?? '') };
}
