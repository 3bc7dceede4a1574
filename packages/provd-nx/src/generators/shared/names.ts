/** Python and class-name spellings of recipe names. */

/** xivo-acme -> Acme: the vendor part of a family name */
export function vendorFromFamily(family: string): string {
  const part = family.replace(/^(xivo|wazo)-/, '').split(/[-_.]/)[0] || family;
  return part.charAt(0).toUpperCase() + part.slice(1);
}

/** Acme Inc. -> AcmeInc: a Python class name prefix */
export function className(vendor: string): string {
  const words = vendor.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(name) ? name : `P${name}`;
}

/** 7.5.5 -> 7_5_5: a Python identifier suffix for build_<suffix> */
export function pythonIdentifier(folder: string): string {
  return folder.replace(/[^A-Za-z0-9_]/g, '_');
}

/** SPA941 and SPA942, or T20, T22 and T23 */
export function humanList(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
