import { describe, expect, it } from 'vitest';
import { packageFileName, packageFileVersion } from './package-name';

describe('packageFileName', () => {
  it('joins id and version', () => {
    expect(packageFileName('xivo-aastra-3.3.1-SP4', '1.2.0')).toBe('xivo-aastra-3.3.1-SP4-1.2.0.tar.bz2');
  });
  it.each([
    ['xivo-avaya-4.1.13', '0.2', 'xivo-avaya-4.1.13-0.2.tar.bz2'],
    ['xivo-snom-8.7.3', '0.4.17', 'xivo-snom-8.7.3-0.4.17.tar.bz2'],
    ['xivo-x', '1', 'xivo-x-1.tar.bz2'],
    ['xivo-x', '1.2.3.4', 'xivo-x-1.2.3.4.tar.bz2'],
    ['xivo-x', '0.10', 'xivo-x-0.10.tar.bz2'],
    ['xivo-x', '1.2.3-rc.1', 'xivo-x-1.2.3-rc.1.tar.bz2'],
  ])('keeps the version as written: %s %s -> %s, and reads it back', (id, version, name) => {
    expect(packageFileName(id, version)).toBe(name);
    expect(packageFileVersion(name, id)).toBe(version);
  });
  it('reads back only versions it can order, and not those of a longer id', () => {
    expect(packageFileVersion('xivo-x-beta.tar.bz2', 'xivo-x')).toBeNull();
    // "xivo-aastra-3.3.1-0.2" is xivo-aastra-3.3.1's 0.2 once that id is known
    expect(packageFileVersion('xivo-aastra-3.3.1-0.2.tar.bz2', 'xivo-aastra')).toBe('3.3.1-0.2');
    expect(packageFileVersion('xivo-aastra-3.3.1-0.2.tar.bz2', 'xivo-aastra', ['xivo-aastra-3.3.1'])).toBeNull();
    expect(packageFileVersion('xivo-aastra-3.3.1-0.2.tar.bz2', 'xivo-aastra-3.3.1', ['xivo-aastra'])).toBe('0.2');
  });
  it('refuses ids that are not one path component', () => {
    expect(() => packageFileName('a/b', '1')).toThrow(/plugin id/);
    expect(() => packageFileName('..', '1')).toThrow(/plugin id/);
    expect(() => packageFileName('x', '')).toThrow(/version/);
  });
});
