/**
 * The family of a plugin id. An index entry does not say its family, so:
 *  - knowing the families (the source's), it is the one whose name is the longest `<family>-`
 *    prefix of the id (xivo-snom-m9 is not xivo-sno's), or none;
 *  - without them (a server sees only channels), ids follow `<family>-<firmware version>`
 *    (`xivo-snom-8.7.5`, `xivo-cisco-spa-7.5.4`, `wazo-yealink-v84`): the family is what comes before
 *    the first dash-separated part starting with a digit or `v<digit>`; an id without one is its own family.
 */
export function familyOfId(pluginId: string): string;
export function familyOfId(pluginId: string, families: readonly string[]): string | undefined;
export function familyOfId(pluginId: string, families?: readonly string[]): string | undefined {
  if (families) {
    let best: string | undefined;
    for (const f of families) if (pluginId.startsWith(`${f}-`) && (!best || f.length > best.length)) best = f;
    return best;
  }
  const parts = pluginId.split('-');
  const i = parts.findIndex((p, n) => n > 0 && /^v?\d/.test(p));
  return i > 0 ? parts.slice(0, i).join('-') : pluginId;
}
