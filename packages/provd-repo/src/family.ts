/**
 * The family of a plugin id, for grouping pages. Ids follow `<family>-<firmware version>`
 * (`xivo-snom-8.7.5`, `xivo-cisco-spa-7.5.4`, `wazo-yealink-v84`): the family is what comes
 * before the first dash-separated part starting with a digit or `v<digit>`. The index carries
 * no family, so this is the best it can tell; an id without such a part is its own family.
 */
export function familyOf(pluginId: string): string {
  const parts = pluginId.split('-');
  const i = parts.findIndex((p, n) => n > 0 && /^v?\d/.test(p));
  return i > 0 ? parts.slice(0, i).join('-') : pluginId;
}
