import { describe, expect, it } from 'vitest';
import { checkPluginId as pluginRule, MAX_PLUGIN_ID_LENGTH } from '@provd/nx';
import { BadName, checkPluginId } from '../src/names';

// the server takes exactly the ids the plugin builds: one rule, @provd/nx's
describe('the server checks plugin ids with the plugin rule', () => {
  it('accepts what the plugin accepts', () => {
    for (const id of ['xivo-snom-8.7.5', 'wazo-yealink-v84', 'a+b_c.d', 'x'.repeat(MAX_PLUGIN_ID_LENGTH)]) {
      expect(pluginRule(id)).toBe(id);
      expect(checkPluginId(id)).toBe(id);
    }
  });

  it("refuses what the plugin refuses, '~' and ids over 128 characters included (the server's own rule took both)", () => {
    for (const id of ['xivo~snom', 'x'.repeat(MAX_PLUGIN_ID_LENGTH + 1), '../x', 'a..b', '-x', '', 7]) {
      expect(() => pluginRule(id)).toThrow();
      expect(() => checkPluginId(id)).toThrow(BadName);
    }
  });
});
