/**
 * --download's memory does not grow with the file: a child process downloads and hashes a
 * 400 MB file the server generates on the fly (never on disk, on either side) and a tiny
 * one; its peak RSS on the big one may exceed the tiny one's by a fixed buffer budget only.
 * Holding the file whole would cost 400 MB, so this cannot pass by accident.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from './child-process';
import { generatedSha1, startFirmwareServer, type FirmwareServer } from './firmware-server';
import { REPO_ROOT, useTempDir } from './temp';

const tmp = useTempDir('provd-fw-memory-');
const BIG = 400 * 1000 * 1000;
const BUDGET_MIB = 32;

const script = `
import { downloadFile } from ${JSON.stringify(path.join(__dirname, '..', 'src', 'firmware', 'download'))};
downloadFile(process.argv[2], { timeoutMs: 30000, retries: 0, backoffMs: 10, maxBytes: 2 ** 33 }).then((r) => {
  process.stdout.write(JSON.stringify({ ...r, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\\n');
});
`;

describe('--download memory', () => {
  let server: FirmwareServer;
  beforeAll(async () => {
    server = await startFirmwareServer({
      '/big.bin': { kind: 'generated', seed: 'big', size: BIG },
      '/tiny.bin': { kind: 'generated', seed: 'tiny', size: 1000 },
    });
  });
  afterAll(() => server.close());

  async function run(url: string): Promise<{ size: number; sha1: string; maxRssMiB: number }> {
    writeFileSync(tmp('dl.ts'), script);
    const child = spawn(process.execPath, ['-r', '@swc-node/register', tmp('dl.ts'), url], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const c = collect(child);
    expect(await c.exit, c.err()).toBe(0);
    return JSON.parse(c.out().trim().split('\n').pop()!);
  }

  it('stays within a fixed budget whatever the file size, and hashes every byte', async () => {
    const tiny = await run(`${server.url}/tiny.bin`);
    const big = await run(`${server.url}/big.bin`);
    console.log(`peak RSS (MiB): tiny ${tiny.maxRssMiB.toFixed(1)}, 400 MB ${big.maxRssMiB.toFixed(1)}`);
    expect(big.size).toBe(BIG);
    expect(big.sha1).toBe(await generatedSha1('big', BIG));
    expect(big.maxRssMiB - tiny.maxRssMiB).toBeLessThan(BUDGET_MIB);
  }, 180_000);
});
