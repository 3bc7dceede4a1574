/**
 * Package bytes are pinned: a fixed generated family must give these exact
 * SHA-1s, built cold, restored from the Nx cache, on any machine. Channels and
 * cache entries made by earlier versions stay valid only while this holds; a
 * change to the tar writer, the bzip2 call or the build that moves a byte fails
 * here. (The SHA-1s were taken from the build before the performance work;
 * the family comes from test/collection.ts with a fixed seed, so a change there
 * moves them too.)
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha1File } from '../src/package/read';
import { familyFiles, type Files } from './collection';
import { createWorkspace, TestWorkspace } from './workspace';

/** 1.2 MB of firmware-like bytes from a fixed LCG: more than one 900 KB bzip2 block. */
function firmware(size: number): Buffer {
  const buf = Buffer.alloc(size);
  let s = 12345;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    buf[i] = i % 3 === 0 ? s >>> 24 : (i >> 7) & 0x3f;
  }
  return buf;
}

function pinnedFamily(): Files {
  const files = familyFiles({
    name: 'pin',
    realistic: true,
    seed: 7,
    models: [
      { folder: 'a-1.0', pluginId: 'pin-a-1.0' },
      { folder: 'b-2.0', pluginId: 'pin-b-2.0', shared: ['common', 'common_c'], version: '2.3.4' },
      { folder: 'c-3.0', pluginId: 'pin-c-3.0' },
    ],
  });
  files['plugins/pin/c-3.0/firmware/fw.bin'] = firmware(1_200_000);
  files['plugins/pin/c-3.0/bin/flash.sh'] = '#!/bin/sh\necho flash\n';
  return files;
}

const PINNED: Record<string, string> = {
  'pin-a-1.0-0.1.0.tar.bz2': '6fdb84c31eb6ffaee7b89c04e8a9ba5355607adc',
  'pin-b-2.0-2.3.4.tar.bz2': 'bbb8779dc3f2b9fb2ce519c48d8c86173cb56c07',
  'pin-c-3.0-0.1.0.tar.bz2': '4866e91261192f87131274214a24f807e1bca1da',
};

describe('package bytes are pinned', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ files: pinnedFamily(), commit: false });
    ws.run('chmod', ['+x', 'plugins/pin/c-3.0/bin/flash.sh']);
    ws.commit('initial');
  });
  afterAll(() => ws?.dispose());

  const sha1s = async () =>
    Object.fromEntries(await Promise.all(readdirSync(ws.path('dist/packages')).sort().map(async (f) => [f, await sha1File(ws.path('dist/packages', f))] as const)));

  it('a cold build gives the pinned SHA-1s', async () => {
    ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
    expect(await sha1s()).toEqual(PINNED);
  });

  it('a build restored from the cache gives the same bytes and the plugin folders', async () => {
    rmSync(ws.path('dist'), { recursive: true, force: true });
    const r = ws.nxOk(['run-many', '-t', 'build', '--outputStyle=static']);
    expect(r.output).toMatch(/Nx read the output from the cache instead of running the command for 3 out of/);
    expect(await sha1s()).toEqual(PINNED);
    expect(readFileSync(ws.path('dist/plugins/pin-c-3.0/firmware/fw.bin'))).toEqual(firmware(1_200_000));
    expect(existsSync(ws.path('dist/plugins/pin-a-1.0/var/tftpboot'))).toBe(true);
  });
});
