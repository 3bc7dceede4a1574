/**
 * The package limits as the Nx plugin applies them: set in nx.json's plugin options, read by
 * every executor through pluginOptions(), enforced by every package reader, named in the error.
 */
import type { ExecutorContext } from '@nx/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestPackage } from '../../../test/test-package';
import { useTempDir } from '../../../test/temp';
import { pluginOptions } from './context';
import { PLUGIN_NAME } from '../../runtime/names';
import { DEFAULT_PACKAGE_LIMITS, resetPackageLimits } from '../../package/limits';
import { readPackage } from '../../package/read';
import { readPackageOnce } from '../../channel/package-cache';

const tmp = useTempDir('provd-limits-');
const info = `{"version": "1.0.0", "description": "${'x'.repeat(2000)}", "capabilities": {}}\n`;

function contextWith(options: Record<string, unknown>): ExecutorContext {
  return { root: tmp(), cwd: tmp(), isVerbose: false, nxJsonConfiguration: { plugins: [{ plugin: PLUGIN_NAME, options }] } } as unknown as ExecutorContext;
}

describe('package limits from nx.json', () => {
  afterEach(() => resetPackageLimits());

  it('defaults fit real plugins', async () => {
    pluginOptions(contextWith({}));
    const p = await buildTestPackage(tmp('a'), 'acme-a', '1.0.0', { info, entry: '# entry\n' });
    expect((await readPackage(p.file)).members.length).toBeGreaterThan(2);
    expect(DEFAULT_PACKAGE_LIMITS).toEqual({ maxUnpackedBytes: 512 * 1024 * 1024, maxMembers: 20_000, maxPluginInfoBytes: 1024 * 1024 });
  });

  it('each limit is an option, named in the refusal', async () => {
    const p = await buildTestPackage(tmp('b'), 'acme-b', '1.0.0', { info, entry: '# entry\n' });
    pluginOptions(contextWith({ maxMembers: 2 }));
    await expect(readPackage(p.file)).rejects.toThrow(/more than 2 members: over the member count limit of 2 \(nx\.json @provd\/nx option maxMembers\)/);
    resetPackageLimits();
    pluginOptions(contextWith({ maxPluginInfoBytes: 1000 }));
    await expect(readPackageOnce(p.file)).rejects.toThrow(/acme-b\/plugin-info is \d+ bytes: over the plugin-info size limit of 1000 bytes \(nx\.json @provd\/nx option maxPluginInfoBytes\)/);
    resetPackageLimits();
    pluginOptions(contextWith({ maxUnpackedBytes: 4096 }));
    await expect(readPackage(p.file)).rejects.toThrow(/over the decompressed size limit of 4096 bytes \(nx\.json @provd\/nx option maxUnpackedBytes\)/);
  });

  it('a value that is not a positive whole number is refused, naming the option', () => {
    expect(() => pluginOptions(contextWith({ maxMembers: -1 }))).toThrow(/nx\.json @provd\/nx option maxMembers: -1 is not a positive whole number/);
  });
});
