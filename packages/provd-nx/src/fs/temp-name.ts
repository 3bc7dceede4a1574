/** Longest file name (bytes) on Linux file systems, and what rsync copies. */
export const NAME_MAX = 255;

/**
 * A hidden temporary name for `name` in the same folder: `.<name>.<suffix>`,
 * with `name` cut on a character boundary when the whole would not fit NAME_MAX,
 * so a 255-byte file can still be written through a temporary file.
 */
export function tempSiblingName(name: string, suffix: string): string {
  const room = NAME_MAX - Buffer.byteLength(`..${suffix}`);
  let base = name;
  if (Buffer.byteLength(base) > room) {
    const chars = Array.from(base);
    while (Buffer.byteLength(chars.join('')) > room) chars.pop();
    base = chars.join('');
  }
  return `.${base}.${suffix}`;
}
