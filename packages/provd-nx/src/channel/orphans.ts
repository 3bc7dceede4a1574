/** Orphans: ids a channel still indexes that no model of the source declares any more. */
import { familyOfId } from '../format/family-of-id';

/** The ids of `indexed` that are no model of the source, and belong to `family` (or to any family when omitted). */
export function orphans(indexed: Iterable<string>, modelIds: Iterable<string>, families: readonly string[], family?: string): string[] {
  const known = new Set(modelIds);
  return [...indexed].filter((id) => !known.has(id) && (family === undefined || familyOfId(id, families) === family)).sort();
}
