import { describe, expect, it } from 'vitest';
import { withVersion, findTopLevelString, parsePluginInfo } from './plugin-info';

const INFO = `{
    "description": "A \\"quoted\\" \\\\ version: 9.9.9",
    "capabilities": {
        "Vendor, X, 1.0": {"version": "9.9.9", "sip.lines": 2}
    },
    "vendor.official": 1,
    "compat.min_provd": 1.0,
    "version": "1.2.3"
}
`;

describe('plugin-info', () => {
  it('rewrites only the top-level version, byte for byte elsewhere', () => {
    const out = withVersion(INFO, '1.2.4');
    expect(out).toBe(INFO.replace('"version": "1.2.3"', '"version": "1.2.4"'));
    expect(out).toContain('{"version": "9.9.9", "sip.lines": 2}');
    expect(out).toContain('"compat.min_provd": 1.0');
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('finds the top-level key whatever its position and spacing', () => {
    const text = '{"a":{"version":"x"},"version"  :\t"2.0.0"}';
    const span = findTopLevelString(text, 'version')!;
    expect(text.slice(span.start, span.end)).toBe('"2.0.0"');
    expect(findTopLevelString('{"a":{"version":"x"}}', 'version')).toBeNull();
  });

  it('validates with the file named in every message', () => {
    expect(() => parsePluginInfo('{', 'p/m/plugin-info')).toThrow(/^p\/m\/plugin-info: not valid JSON/);
    expect(() => parsePluginInfo('[]', 'f')).toThrow('f: must be a JSON object');
    expect(() => parsePluginInfo('{"version":"1.0.0"}', 'f')).toThrow('f: missing required key(s): capabilities, description');
    // provd versions are opaque strings: any non-empty one is a valid plugin-info
    for (const version of ['1.0', '0.4.17', 'beta']) {
      expect(parsePluginInfo(`{"version":"${version}","description":"","capabilities":{}}`, 'f').version).toBe(version);
    }
    expect(() => parsePluginInfo('{"version":"","description":"","capabilities":{}}', 'f')).toThrow('f: "version" is empty');
    expect(() => parsePluginInfo('{"version":"1.0.0","description":"","capabilities":[]}', 'f')).toThrow(/"capabilities" must be a JSON object/);
    expect(parsePluginInfo(INFO, 'f').version).toBe('1.2.3');
  });
});
