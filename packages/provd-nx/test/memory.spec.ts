/**
 * Memory does not grow with the package: each operation that reads or writes a package
 * (create, publish, verify, unpack the plugin folder, the release digest) runs in its own
 * process on a package holding a 200 MB firmware and on a tiny one, and its peak RSS may
 * exceed the tiny run's by a fixed buffer budget only. Holding the firmware whole once
 * (the old in-memory tar read) costs 200 MB on its own, so this cannot pass by accident.
 * A structural bound, not a timing: the figures are printed for the record.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from './child-process';
import { spawn } from 'node:child_process';
import { useTempDir, REPO_ROOT } from './temp';

const tmp = useTempDir('provd-memory-');
const SRC = path.join(__dirname, '..', 'src');
const BIG = 200 * 1000 * 1000;
/** What streaming may add over a tiny package: bzip2 pipes, tar and file stream buffers. */
const BUDGET_MIB = 64;

const script = `
import * as fsp from 'node:fs/promises';
import { createPackage } from ${JSON.stringify(path.join(SRC, 'package', 'create'))};
import { publishPackage } from ${JSON.stringify(path.join(SRC, 'channel', 'publish'))};
import { verifyChannel } from ${JSON.stringify(path.join(SRC, 'channel', 'verify'))};
import { unpackPluginFolder } from ${JSON.stringify(path.join(SRC, 'build', 'plugin-folder'))};
import { contentDigest } from ${JSON.stringify(path.join(SRC, 'channel', 'release-state'))};
import { openRepository } from ${JSON.stringify(path.join(SRC, 'repository', 'open'))};
async function main(): Promise<void> {
  const [op, dir, id, pkg, repo, out] = process.argv.slice(2);
  const testing = () => openRepository(repo, process.cwd(), { create: true }).channel('testing');
  if (op === 'create') await createPackage(dir, id, pkg);
  if (op === 'publish') {
    const pluginInfoText = await fsp.readFile(dir + '/plugin-info', 'utf8');
    const outcome = await publishPackage(testing(), { pluginId: id, version: '1.0', packageFile: pkg, pluginInfoText });
    if (outcome.status !== 'published') throw new Error(JSON.stringify(outcome));
  }
  if (op === 'verify') {
    const problems = await verifyChannel(testing());
    if (problems.length) throw new Error(JSON.stringify(problems));
  }
  if (op === 'unpack') await unpackPluginFolder(pkg, id, out);
  if (op === 'digest') await contentDigest(pkg, id);
  process.stdout.write(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\\n');
}
main().catch((e) => {
  process.stderr.write(String((e as Error)?.stack ?? e) + '\\n');
  process.exit(1);
});
`;

async function peakMiB(args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', tmp('op.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = collect(child);
  expect(await run.exit, run.err()).toBe(0);
  return JSON.parse(run.out().trim().split('\n').pop()!).maxRssMiB;
}

describe('memory', () => {
  it('creating, publishing, verifying, unpacking and digesting a package stay within a fixed budget whatever its size', async () => {
    await fsp.writeFile(tmp('op.ts'), script);
    const peaks: Record<string, Record<string, number>> = {};
    for (const [size, bytes] of [['tiny', 1], ['200 MB', BIG]] as const) {
      const id = `xivo-mem-${size === 'tiny' ? 'tiny' : 'big'}`;
      const dir = tmp(size === 'tiny' ? 'tiny' : 'big', id);
      await fsp.mkdir(path.join(dir, 'firmware'), { recursive: true });
      await fsp.writeFile(path.join(dir, 'plugin-info'), '{"version": "1.0", "description": "memory", "capabilities": {}}\n');
      await fsp.writeFile(path.join(dir, 'entry.py'), '# memory\n');
      // zeros: bzip2 packs and unpacks them in about a second, yet every byte flows through our streams
      const fh = await fsp.open(path.join(dir, 'firmware', 'image.bin'), 'w');
      await fh.truncate(bytes);
      await fh.close();
      const pkg = tmp(size === 'tiny' ? 'tiny' : 'big', `${id}-1.0.tar.bz2`);
      const repo = tmp(size === 'tiny' ? 'tiny' : 'big', 'repository');
      const out = tmp(size === 'tiny' ? 'tiny' : 'big', 'plugins');
      peaks[size] = {};
      for (const op of ['create', 'publish', 'verify', 'unpack', 'digest']) {
        peaks[size][op] = await peakMiB([op, dir, id, pkg, repo, out]);
      }
      expect((await fsp.stat(path.join(out, id, 'firmware', 'image.bin'))).size).toBe(bytes);
    }
    console.log(`peak RSS (MiB): ${JSON.stringify(peaks)}`);
    for (const op of Object.keys(peaks.tiny)) {
      expect(peaks['200 MB'][op] - peaks.tiny[op], `${op}: peak RSS over the tiny package's`).toBeLessThan(BUDGET_MIB);
    }
  }, 180_000);
});
