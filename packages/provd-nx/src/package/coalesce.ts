/**
 * Small chunks joined into larger ones, bytes unchanged: the tar stream yields a 512-byte
 * header, the file and its padding per member, and each chunk handed to bzip2's stdin is a
 * stream write and a pipe write of its own (three per file, most of them a few KB).
 */
export async function* coalesce(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    if (chunk.length >= size && length === 0) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
