/** A package the server cannot read, said plainly: no bzip2 stderr dump, the limit by its flag. */
import { PackageLimitError } from './domain';
import { HttpError } from './http-error';

export function unreadablePackage(filename: string, size: number, e: unknown): HttpError {
  if (e instanceof PackageLimitError) return new HttpError(422, `${filename}: ${e.message}`);
  const message = (e as Error).message ?? String(e);
  if (size === 0) return new HttpError(422, `${filename}: the request body is empty (send the package's bytes)`);
  if (/is not a bzip2 file/.test(message)) return new HttpError(422, `${filename}: not a bzip2 stream (a package is a .tar.bz2)`);
  if (/ends unexpectedly|unexpected end of data|premature/i.test(message)) {
    return new HttpError(422, `${filename}: the package is truncated (${size} bytes received: the upload was cut short or the file is damaged)`);
  }
  if (/^tar: /.test(message)) return new HttpError(422, `${filename}: not a valid tar archive inside the bzip2 stream (${message.replace(/^tar: /, '')})`);
  const firstLine = message.split('\n').find((l) => l.trim()) ?? message;
  return new HttpError(422, `${filename}: not a readable .tar.bz2 package (${firstLine.trim().slice(0, 200)})`);
}
