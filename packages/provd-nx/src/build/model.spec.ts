import { describe, expect, it } from 'vitest';
import { nextVersion } from '../version/version';
import { modelInputPaths } from './model';

describe('version rules', () => {
  it('bumps patch, minor, major, or sets an exact version', () => {
    expect(nextVersion('1.2.3', 'patch')).toBe('1.2.4');
    expect(nextVersion('1.2.3', 'minor')).toBe('1.3.0');
    expect(nextVersion('1.2.3', 'major')).toBe('2.0.0');
    expect(nextVersion('1.2.3', '4.0.0-rc.1')).toBe('4.0.0-rc.1');
    expect(() => nextVersion('1.2.3', 'huge')).toThrow(/--bump must be patch, minor, major or a dotted numeric version/);
  });

  it("a model's inputs are its folder, what its recipe reads, and build.py", () => {
    expect(
      modelInputPaths({ familyRoot: 'plugins/f', folder: '1.0', reads: ['common_c', '1.0'], readsFamilyRoot: false })
    ).toEqual(['plugins/f/1.0', 'plugins/f/build.py', 'plugins/f/common_c']);
    expect(modelInputPaths({ familyRoot: 'plugins/f', folder: '1.0', reads: ['1.0'], readsFamilyRoot: true })).toContain('plugins/f');
  });
});
