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
import { buildModel } from '../src/build/build';
import { familyModel } from '../src/build/model';

/** <plugin id>-<version> -> SHA-1 of its .tar.bz2 */
const PINS: Record<string, string> = {
  'xivo-cisco-pap2t-5.1.6-0.2.7': 'ed583121e48f37c7038531fbf803ea9c16a00428',
  'xivo-cisco-spa-7.5.5-0.5.2': 'e67e0828f8b3163ae3a907db12f8258a58b909e5',
  'xivo-cisco-spa-legacy-0.3.1': '513d5b819b3ac441e815f5ce25e83d2b87dad4bc',
  'xivo-cisco-spa2102-5.2.12-0.4.0': '1bca0a7f9c6577eac9d3c781f06ee73fac88121a',
  'xivo-snom-10.1.46-2.0.3': '76ca573140e5014f95a37f11a76f32459b82de14',
  'xivo-snom-10.1.54-2.1.0': '1af54b8a73aeabda34b180b1110830e3c4bb8c41',
  'xivo-snom-8.4.35-0.8.4': '7f5c718e604127ad9f03b0e11516d0bd8217ecf9',
  'xivo-snom-8.7.3-1.2.0': '8c42a8116683ba3a12b105fb4d0379405a828da4',
  'xivo-snom-8.7.5-0.9.1': '8da0d7d0daebd3175f0cfafd24291b8271d7c57f',
  'xivo-snom-8.9.3.80-0.1.0': '56b77aec1b6cabba5bb710498c53ec848bf1d0f3',
  'xivo-snom-m9-9.6.2-0.3.0': '615682f978346017822f53c581f50e4ed0e15895',
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
