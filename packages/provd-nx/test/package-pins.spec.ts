/**
 * The SHA-1 of every package built from the sample collection (plugins/), pinned:
 * a refactoring that changes a package's bytes fails here. When the sample plugins
 * themselves change, update PINS (the one table) with the values this spec prints.
 */
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, useTempDir } from './temp';
import { recordFamilies } from '../src/recipe/recipe';
import { analyzeFamily } from '../src/recipe/family';
import { buildModel } from '../src/model/build';
import { familyModel } from '../src/model/model';

/** <plugin id>-<version> -> SHA-1 of its .tar.bz2 */
const PINS: Record<string, string> = {
  'xivo-cisco-pap2t-5.1.6-0.2.7': 'b67e046213124f150c1474d34856da0597ad6c2c',
  'xivo-cisco-spa-7.5.5-0.5.2': 'b7c7d6bc3c74f7ae5177f097e8ad45ca579b6e4f',
  'xivo-cisco-spa-legacy-0.3.1': 'b8211c7193a592ea3a904ce5e84fc5b4316318c7',
  'xivo-cisco-spa2102-5.2.12-0.4.0': '9b28d887844a5ac18397f8d69b765f9617cf65fd',
  'xivo-snom-10.1.46-2.0.3': '3f8bcc0c8184ff2a77aac920223876dbc70526ab',
  'xivo-snom-10.1.54-2.1.0': '8288d364dae56f4bd28115e7db8f08fb2a2b4979',
  'xivo-snom-8.4.35-0.8.4': '7ab04caa58d97873e7a64458253a97beb2f5caa2',
  'xivo-snom-8.7.3-1.2.0': '2e5273aa1ab7f45eb566b100c1917a3b69363587',
  'xivo-snom-8.7.5-0.9.1': '04692343c2fa25f5bd5464ed49813a1d5ee843ea',
  'xivo-snom-8.9.3.80-0.1.0': '8c5544281ec610584c3bd3ffe7007aa857e8498e',
  'xivo-snom-m9-9.6.2-0.3.0': '280a9a9a65c0b45a67927e22ce759a5dece6fb75',
};

const FAMILIES = ['plugins/xivo-cisco-spa', 'plugins/xivo-snom'];

describe('packages of the sample collection', () => {
  const tmp = useTempDir('provd-pins-');

  it('keep their pinned SHA-1s', async () => {
    const recorded = await recordFamilies(FAMILIES.map((f) => join(REPO_ROOT, f)));
    const built: Record<string, string> = {};
    for (const root of FAMILIES) {
      const recipe = analyzeFamily(REPO_ROOT, root, recorded[join(REPO_ROOT, root)]);
      const ids = recipe.models.map((m) => m.pluginId);
      for (const model of recipe.models) {
        const pkg = await buildModel(REPO_ROOT, familyModel(recipe, model, '' /* buildModel reads plugin-info itself */), relative(REPO_ROOT, tmp()), ids);
        built[`${model.pluginId}-${pkg.version}`] = pkg.sha1;
      }
    }
    // printed only on a mismatch: the new table to paste
    if (JSON.stringify(built) !== JSON.stringify(PINS)) console.log(JSON.stringify(built, null, 2));
    expect(built).toEqual(PINS);
  }, 120_000);
});
