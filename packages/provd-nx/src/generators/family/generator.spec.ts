import { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { familyGenerator } from './generator';

describe('family generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { skipToolCheck: true });
  });

  it('creates build.py, common/ with a StandardPlugin base and a first model from a name alone', async () => {
    await familyGenerator(tree, { name: 'xivo-acme' });
    const build = tree.read('plugins/xivo-acme/build.py', 'utf-8')!;
    expect(build).toContain("@target('1.0.0', 'xivo-acme-1.0.0')\ndef build_1_0_0(path):");
    expect(build).toContain("check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])");
    expect(build).toContain("check_call(['rsync', '-rlp', '--exclude', '.*', '1.0.0/', path])");
    const common = tree.read('plugins/xivo-acme/common/common.py', 'utf-8')!;
    expect(common).toContain('class BaseAcmePlugin(StandardPlugin):');
    expect(common).toContain("VENDOR = 'Acme'");
    expect(tree.exists('plugins/xivo-acme/common/templates/base.tpl')).toBe(true);
    expect(JSON.parse(tree.read('plugins/xivo-acme/1.0.0/plugin-info', 'utf-8')!)).toEqual({
      version: '0.1.0',
      description: 'Plugin for Acme Phone in version 1.0.0.',
      capabilities: { 'Acme, Phone, 1.0.0': { 'sip.lines': 1, 'telephony.type': 'phone' } },
    });
    const entry = tree.read('plugins/xivo-acme/1.0.0/entry.py', 'utf-8')!;
    expect(entry).toContain("class AcmePlugin(common_globals['BaseAcmePlugin']):\n    IS_PLUGIN = True");
    expect(entry).toContain("MODELS = ['Phone']");
    expect(tree.read('plugins/xivo-acme/1.0.0/templates/Phone.tpl', 'utf-8')).toContain("{% extends 'base.tpl' %}");
    expect(tree.exists('plugins/xivo-acme/1.0.0/pkgs/pkgs.db')).toBe(true);
  });

  it('takes vendor, model folder, plugin id, phone models, firmware, version and description', async () => {
    await familyGenerator(tree, {
      name: 'wazo-zeta',
      vendor: 'Zeta Phones',
      model: 'z-2.4',
      pluginId: 'wazo-zeta-z24',
      phoneModels: ['Z1', 'Z2'],
      firmware: '2.4.1',
      version: '1.2.3',
      description: 'Zeta Z1/Z2',
    });
    expect(tree.read('plugins/wazo-zeta/build.py', 'utf-8')).toContain("@target('z-2.4', 'wazo-zeta-z24')\ndef build_z_2_4(path):");
    const info = JSON.parse(tree.read('plugins/wazo-zeta/z-2.4/plugin-info', 'utf-8')!);
    expect(info.version).toBe('1.2.3');
    expect(info.description).toBe('Zeta Z1/Z2');
    expect(Object.keys(info.capabilities)).toEqual(['Zeta Phones, Z1, 2.4.1', 'Zeta Phones, Z2, 2.4.1']);
    expect(tree.read('plugins/wazo-zeta/z-2.4/entry.py', 'utf-8')).toContain("MODELS = ['Z1', 'Z2']\nVERSION = '2.4.1'");
    expect(tree.read('plugins/wazo-zeta/common/common.py', 'utf-8')).toContain('class BaseZetaPhonesPlugin(StandardPlugin)');
  });

  it('refuses an existing family and a plugin id declared elsewhere', async () => {
    await familyGenerator(tree, { name: 'xivo-acme' });
    await expect(familyGenerator(tree, { name: 'xivo-acme' })).rejects.toThrow('plugins/xivo-acme already exists');
    await expect(familyGenerator(tree, { name: 'xivo-other', pluginId: 'xivo-acme-1.0.0' })).rejects.toThrow(
      "plugin id 'xivo-acme-1.0.0' already exists: plugins/xivo-acme/build.py (target '1.0.0')"
    );
  });
});
