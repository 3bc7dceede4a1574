import { describe, expect, it } from 'vitest';
import { checkVersion, compareVersions, isVersion, newestVersion, nextVersion, parseVersion } from './provd-version';

describe('provd versions', () => {
  it.each([
    ['1', [1], [], ''],
    ['0.2', [0, 2], [], ''],
    ['0.4.17', [0, 4, 17], [], ''],
    ['1.2.3.4', [1, 2, 3, 4], [], ''],
    ['1.2.3-rc.1', [1, 2, 3], ['rc', '1'], ''],
    ['0.2-beta+b7', [0, 2], ['beta'], 'b7'],
  ])('parses %s', (v, numbers, prerelease, build) => {
    expect(parseVersion(v)).toEqual({ numbers, prerelease, build });
  });

  it.each(['beta', '', 'v1.0', '1.', '.1', '1..2', '01.2', '1.02', '1.2-', '1.2-rc.01', '1 .2', '1.2.3-rc_1', '99999999999999999999'])(
    'does not handle %j',
    (v) => {
      expect(isVersion(v)).toBe(false);
    }
  );

  it('names the plugin-info file when it cannot handle a version', () => {
    expect(() => checkVersion('beta', 'plugins/f/m/plugin-info')).toThrow(
      'plugins/f/m/plugin-info: version "beta" is not a dotted numeric version (e.g. 0.2, 0.4.17, 1.2.3-rc.1): it cannot be bumped, ordered or published'
    );
  });

  it.each([
    // current, patch, minor, major
    ['1', '2', '2', '2'],
    ['0.2', '0.3', '1.0', '1.0'],
    ['1.1', '1.2', '2.0', '2.0'],
    ['0.9', '0.10', '1.0', '1.0'],
    ['0.4.17', '0.4.18', '0.5.0', '1.0.0'],
    ['1.2.3.4', '1.2.3.5', '1.2.4.0', '2.0.0.0'],
    ['1.2.3+b7', '1.2.4', '1.3.0', '2.0.0'],
    // a prerelease is released first when the bump zeroes nothing non-zero (semver's rule)
    ['1.2.3-rc.1', '1.2.3', '1.3.0', '2.0.0'],
    ['1.3.0-rc.1', '1.3.0', '1.3.0', '2.0.0'],
    ['2.0.0-rc.1', '2.0.0', '2.0.0', '2.0.0'],
    ['0.3-rc', '0.3', '1.0', '1.0'],
  ])('bumps %s: patch %s, minor %s, major %s', (current, patch, minor, major) => {
    expect(nextVersion(current, 'patch')).toBe(patch);
    expect(nextVersion(current, 'minor')).toBe(minor);
    expect(nextVersion(current, 'major')).toBe(major);
  });

  it.each(['0.3', '2', '1.2.3.4', '4.0.0-rc.1'])('takes the exact version %s as is', (exact) => {
    expect(nextVersion('0.2', exact)).toBe(exact);
    // an exact version also replaces one that cannot be bumped
    expect(nextVersion('beta', exact)).toBe(exact);
  });

  it('refuses a bump it cannot apply', () => {
    expect(() => nextVersion('0.2', 'huge')).toThrow("--bump must be patch, minor, major or a dotted numeric version (e.g. 0.3, 1.2.3.4), not 'huge'");
    expect(() => nextVersion('beta', 'patch', 'plugins/f/m/plugin-info')).toThrow(/^plugins\/f\/m\/plugin-info: version "beta" is not/);
  });

  // each row strictly older than the next
  const ORDER = [
    'alpha', // not handled: before every handled version
    'beta',
    '0.1',
    '0.2',
    '0.9',
    '0.9.1',
    '0.10',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1-rc.1', // prerelease before shape: the numbers are 1.0.0 once padded
    '1.0.0-rc.1',
    '1',
    '1.0', // same numbers, shorter first: distinct strings never compare equal
    '1.0.0',
    '1.0.0+b1',
    '1.0.0+b2',
    '1.0.0.1',
    '1.2.3.4',
    '1.10',
    '2',
  ];
  it.each(ORDER.slice(0, -1).map((v, i) => [v, ORDER[i + 1]]))('%s < %s', (a, b) => {
    expect(compareVersions(a, b)).toBe(-1);
    expect(compareVersions(b, a)).toBe(1);
  });

  it('is a total order: equal exactly when the strings are equal', () => {
    for (const a of ORDER) for (const b of ORDER) expect(compareVersions(a, b) === 0).toBe(a === b);
    expect([...ORDER].reverse().sort(compareVersions)).toEqual(ORDER);
  });

  it('finds the newest of a mix of two- and three-part versions', () => {
    expect(newestVersion(['0.9', '0.10', '0.4.17', '0.9.9'])).toBe('0.10');
    expect(newestVersion([])).toBeUndefined();
  });
});
