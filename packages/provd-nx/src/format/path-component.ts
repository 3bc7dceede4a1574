/** A name that must be one path component (a channel file, a version in a package name): no tricks. */
export function checkPathComponent(what: string, value: string): string {
  if (!value || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
    throw new Error(`invalid ${what} ${JSON.stringify(value)}`);
  }
  return value;
}
