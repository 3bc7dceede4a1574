/**
 * Orphans: ids a channel still indexes that no model of the source declares any more.
 * An index entry does not say its family, so an orphan belongs to the family whose name
 * is the longest `<family>-` prefix of its id (xivo-snom-m9 is not xivo-sno's); ids
 * matching no family belong to the collection only.
 */
export function orphanFamily(pluginId: string, families: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const f of families) if (pluginId.startsWith(`${f}-`) && (!best || f.length > best.length)) best = f;
  return best;
}

/** The ids of `indexed` that are no model of the source, and belong to `family` (or to any family when omitted). */
export function orphans(indexed: Iterable<string>, modelIds: Iterable<string>, families: readonly string[], family?: string): string[] {
  const known = new Set(modelIds);
  return [...indexed].filter((id) => !known.has(id) && (family === undefined || orphanFamily(id, families) === family)).sort();
}
