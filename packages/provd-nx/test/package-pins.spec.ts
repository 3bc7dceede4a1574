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
  'xivo-cisco-pap2t-5.1.6-0.2.7': '8cb3c34f6a07f4edb8f80dbefd8b72e805c0901a',
  'xivo-cisco-spa-7.5.5-0.5.2': '901cf2c1596e07d660d8924284792c2ad8643fe3',
  'xivo-cisco-spa-legacy-0.3.1': '6de1de5405385fcee3cd73c021be895d5cb3afcd',
  'xivo-cisco-spa2102-5.2.12-0.4.0': 'd00e121c35705053f50b4df4af6edf7af4c558bb',
  'xivo-snom-10.1.46-2.0.3': '6d9c1fe2798e7700ff3a9c324aa9173f5f48025e',
  'xivo-snom-10.1.54-2.1.0': 'c19f1b7816e0da76a6123bb84ef46fb507e7cc1d',
  'xivo-snom-8.4.35-0.8.4': '2cd6d6f87df42e2f6479cf135e1d9f37f470deff',
  'xivo-snom-8.7.3-1.2.0': '0f0cac36014a67a5dec300995a677cb8fdff7b4b',
  'xivo-snom-8.7.5-0.9.1': '41894bdaa08e02d166783f9a8da3b59c9fb1b726',
  'xivo-snom-8.9.3.80-0.1.0': '56b77aec1b6cabba5bb710498c53ec848bf1d0f3',
  'xivo-snom-m9-9.6.2-0.3.0': '76d44585c953cdfb8a94a65e7f4933a09150c6d8',
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
