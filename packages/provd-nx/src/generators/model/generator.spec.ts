import { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { modelGenerator } from './generator';

const PLUGINS = join(__dirname, '..', '..', '..', '..', '..', 'plugins');

/** This repository's sample families, as they are on disk. */
function addFamily(tree: Tree, family: string, dir = join(PLUGINS, family), rel = `plugins/${family}`): void {
  for (const child of readdirSync(dir)) {
    const p = join(dir, child);
    if (statSync(p).isDirectory()) addFamily(tree, family, p, `${rel}/${child}`);
    else tree.write(`${rel}/${child}`, readFileSync(p));
  }
}

const info = (tree: Tree, path: string) => JSON.parse(tree.read(path, 'utf-8')!);

describe('model generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { skipToolCheck: true });
    addFamily(tree, 'xivo-cisco-spa');
    addFamily(tree, 'xivo-snom');
  });

  it('adds a decorated function to a decorated-function recipe, copied with --from', async () => {
    const before = tree.read('plugins/xivo-cisco-spa/build.py', 'utf-8')!;
    await modelGenerator(tree, { family: 'xivo-cisco-spa', name: '7.6.0', from: '7.5.5', firmware: '7.6.0' });
    const build = tree.read('plugins/xivo-cisco-spa/build.py', 'utf-8')!;
    // the existing text stays; the new function follows the one it copies
    expect(build.replace(/\n\n\n@target\('7\.6\.0'[\s\S]*?'7\.6\.0\/', path\]\)\n/, '\n')).toBe(before);
    expect(build).toContain(
      [
        "@target('7.5.5', 'xivo-cisco-spa-7.5.5')",
        'def build_7_5_5(path):',
        "    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])",
        "    check_call(['rsync', '-rlp', '--exclude', '.*', '7.5.5/', path])",
        '',
        '',
        "@target('7.6.0', 'xivo-cisco-spa-7.6.0')",
        'def build_7_6_0(path):',
        "    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])",
        "    check_call(['rsync', '-rlp', '--exclude', '.*', '7.6.0/', path])",
        '',
        '',
        "@target('legacy', 'xivo-cisco-spa-legacy')",
      ].join('\n')
    );
    // every file copied but the snapshots (the new model renders other phones); plugin-info reset and rewritten
    expect(tree.children('plugins/xivo-cisco-spa/7.5.5')).toContain('__provd__');
    expect(tree.children('plugins/xivo-cisco-spa/7.6.0').sort()).toEqual(tree.children('plugins/xivo-cisco-spa/7.5.5').filter((c) => c !== '__provd__').sort());
    expect(tree.read('plugins/xivo-cisco-spa/7.6.0/templates/SPA941.tpl', 'utf-8')).toBe(tree.read('plugins/xivo-cisco-spa/7.5.5/templates/SPA941.tpl', 'utf-8'));
    const copied = info(tree, 'plugins/xivo-cisco-spa/7.6.0/plugin-info');
    expect(copied.version).toBe('0.1.0');
    expect(copied.description).toBe('Plugin for Cisco SPA941 and SPA942 in version 7.6.0.');
    expect(copied.description_fr).toBe('Greffon pour Cisco SPA941 et SPA942 en version 7.6.0.');
    expect(Object.keys(copied.capabilities)).toEqual(['Cisco, SPA941, 7.6.0', 'Cisco, SPA942, 7.6.0']);
    expect(copied['compat.min_provd']).toBe(0.9);
    expect(tree.read('plugins/xivo-cisco-spa/7.6.0/entry.py', 'utf-8')).toContain("MODEL_VERSION = {model: '7.6.0' for model in MODELS}");
    // the source model is untouched
    expect(info(tree, 'plugins/xivo-cisco-spa/7.5.5/plugin-info').version).toBe('0.5.2');
  });

  it('adds a row to the table a loop turns into targets', async () => {
    const before = tree.read('plugins/xivo-snom/build.py', 'utf-8')!;
    await modelGenerator(tree, { family: 'xivo-snom', name: '8.9.4', from: '8.9.3.80', version: '1.0.0', description: 'Plugin for Snom 3xx in version 8.9.4.' });
    const build = tree.read('plugins/xivo-snom/build.py', 'utf-8')!;
    expect(build).toBe(
      before.replace("    ('8.9.3.80', 'xivo-snom-8.9.3.80'),\n", "    ('8.9.3.80', 'xivo-snom-8.9.3.80'),\n    ('8.9.4', 'xivo-snom-8.9.4'),\n")
    );
    const copied = info(tree, 'plugins/xivo-snom/8.9.4/plugin-info');
    expect(copied.version).toBe('1.0.0');
    expect(copied.description).toBe('Plugin for Snom 3xx in version 8.9.4.');
  });

  it('adds a decorated function in a mixed recipe when --from is a decorated target, by plugin id', async () => {
    await modelGenerator(tree, { family: 'xivo-snom', name: '10.1.60', from: 'xivo-snom-10.1.54' });
    const build = tree.read('plugins/xivo-snom/build.py', 'utf-8')!;
    expect(build).toContain("@target('10.1.60', 'xivo-snom-10.1.60')\ndef build_10_1_60(path):");
    expect(build).toContain("check_call(['rsync', '-rlp', '--exclude', '.*', '10.1.60/', path])");
    // shared folders stay as the copied function had them
    expect(build.split("'common_c/', path])").length).toBe(4);
  });

  it('without --from: a folder with a plugin-info, the target in the style of the last one', async () => {
    await modelGenerator(tree, { family: 'xivo-cisco-spa', name: 'spa3102-5.2.13', pluginId: 'xivo-cisco-spa3102-5.2.13' });
    expect(tree.children('plugins/xivo-cisco-spa/spa3102-5.2.13')).toEqual(['plugin-info']);
    expect(info(tree, 'plugins/xivo-cisco-spa/spa3102-5.2.13/plugin-info')).toEqual({
      version: '0.1.0',
      description: 'Plugin xivo-cisco-spa3102-5.2.13.',
      capabilities: {},
    });
    expect(tree.read('plugins/xivo-cisco-spa/build.py', 'utf-8')).toMatch(
      /'pap2t-5\.1\.6\/', path\]\)\n\n\n@target\('spa3102-5\.2\.13', 'xivo-cisco-spa3102-5\.2\.13'\)\ndef build_spa3102_5_2_13\(path\):\n.*'common\/', path\]\)\n.*'spa3102-5\.2\.13\/', path\]\)\n$/
    );
  });

  it('refuses a plugin id that exists anywhere in the workspace', async () => {
    await expect(modelGenerator(tree, { family: 'xivo-cisco-spa', name: '9.9.9', from: '7.5.5', pluginId: 'xivo-snom-8.4.35' })).rejects.toThrow(
      "plugin id 'xivo-snom-8.4.35' already exists: plugins/xivo-snom/build.py (target '8.4.35')"
    );
    await expect(modelGenerator(tree, { family: 'xivo-cisco-spa', name: '9.9.9', pluginId: 'xivo-cisco-pap2t-5.1.6' })).rejects.toThrow('already exists');
    expect(tree.exists('plugins/xivo-cisco-spa/9.9.9')).toBe(false);
  });

  it('says what is wrong with the family, the folder, --from and an unrecognised recipe', async () => {
    await expect(modelGenerator(tree, { family: 'nope', name: '1' })).rejects.toThrow("family 'nope': plugins/nope/build.py not found");
    await expect(modelGenerator(tree, { family: 'xivo-snom', name: '8.7.3' })).rejects.toThrow('plugins/xivo-snom/8.7.3 already exists');
    await expect(modelGenerator(tree, { family: 'xivo-snom', name: '9', from: '1.2.3' })).rejects.toThrow(
      '--from 1.2.3: plugins/xivo-snom/build.py has no target with that folder or plugin id'
    );
    tree.write('plugins/odd/build.py', "for v in os.listdir('.'):\n    target(v, 'odd-' + v)(lambda path: None)\n");
    await expect(modelGenerator(tree, { family: 'odd', name: '2' })).rejects.toThrow(
      "plugins/odd/build.py: no target written as a function decorated with @target('<folder>', '<plugin-id>')"
    );
  });
});
