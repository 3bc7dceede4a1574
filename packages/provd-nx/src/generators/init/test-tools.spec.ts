/**
 * `nx add @provd/nx` checks what the test target needs (python3 importing wazo_provd and pytest)
 * and warns without failing; with the real provd on the path it says nothing.
 */
import { logger, readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initGenerator } from './generator';
import { testToolsProblem } from './test-tools';
import { provdPythonPathForSpecs } from '../../../test/provd-pythonpath';

describe('init generator: the test target\'s provd and pytest', () => {
  const saved = process.env.PROVD_PYTHONPATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROVD_PYTHONPATH;
    else process.env.PROVD_PYTHONPATH = saved;
    vi.restoreAllMocks();
  });

  it('warns, naming how to get provd, and still registers the plugin', async () => {
    process.env.PROVD_PYTHONPATH = '/nonexistent/provd';
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { provdPythonPath: 'tools/provd/pythonpath' });
    const warned = warn.mock.calls.map((c) => String(c[0])).join('\n');
    expect(warned).toMatch(/@provd\/nx: the test target cannot run here yet: provd's Python code is not in \/nonexistent\/provd: .*set PROVD_PYTHONPATH/);
    expect(readNxJson(tree)!.plugins).toContainEqual({
      plugin: '@provd/nx',
      options: { pluginsDir: 'plugins', distDir: 'dist', repository: 'dist/repository', provdPythonPath: 'tools/provd/pythonpath' },
    });
  });

  it('the option is used when PROVD_PYTHONPATH is unset, and the real provd passes', () => {
    delete process.env.PROVD_PYTHONPATH;
    expect(testToolsProblem('/work', '/nonexistent/option')).toMatch(/not in \/nonexistent\/option/);
    expect(testToolsProblem('/', provdPythonPathForSpecs())).toBeUndefined();
  });
});
