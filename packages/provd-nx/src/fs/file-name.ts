const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * A file name read as bytes, decoded strictly: a name that is not valid UTF-8 would
 * come back garbled from a string readdir and then "not exist". Package members and
 * plugin-info are UTF-8, so such a name is refused, naming where it is.
 */
export function decodeName(raw: Buffer, where: string): string {
  try {
    return utf8Strict.decode(raw);
  } catch {
    throw new Error(`${where}: the file name is not valid UTF-8 (bytes ${JSON.stringify(raw.toString('latin1'))}); rename it: package members must have UTF-8 names`);
  }
}
