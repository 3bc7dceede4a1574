import { parseJson } from './python-json';
import { pythonDumps } from '../../test/python-dumps';
import { describe, expect, it } from 'vitest';
import { isJsonObject } from './python-json';
import { serializeIndex, parseIndex, supersededFiles } from './plugins-db';
import { packageFileVersion } from './package-name';

describe('index JSON', () => {
  const SAMPLE = String.raw`{
    "xivo-b": {"version": "1.0.0", "description": "B", "description_fr": "Téléphone \u00e9 😀",
               "capabilities": {"Zeta, z, 1": {"sip.lines": 1}, "alpha, A, 2": {"x": 1e3}},
               "compat.min_provd": 1.0, "ratio": 0.9, "tiny": 1E-7, "neg": -0.0, "big": 12345678901234567890,
               "exp": 2.5e+20, "int0": -0, "esc": "q\"b\\s\n\t\u0001\u007f\u2028/", "list": [1.50, true, null, {"b": 1, "a": 2}],
               "filename": "xivo-b-1.0.0.tar.bz2", "dsize": 123, "sha1sum": "0123456789abcdef0123456789abcdef01234567"},
    "xivo-a": {"vendor.official": 1, "z": "\uffff", "\ud83d\ude00": "astral key", "é": 1, "Z": 2, "e": 3}
  }`;

  it('serializes exactly like Python json.dumps(sort_keys=True, separators=(",", ":"))', async () => {
    const ours = serializeIndex(parseIndex(SAMPLE, 'sample'));
    expect(ours).toBe(await pythonDumps(SAMPLE));
    expect(ours).toContain('"compat.min_provd":1.0');
    expect(ours).toContain('"ratio":0.9');
    expect(ours).toContain('"x":1000.0');
    expect(ours).toContain('"description_fr":"T\\u00e9l\\u00e9phone \\u00e9 \\ud83d\\ude00"');
    expect(/[^\x20-\x7e]/.test(ours)).toBe(false);
  });

  it('is a fixed point on Python output and on random floats', async () => {
    const floats = Array.from({ length: 500 }, () => (Math.random() * 10 ** (Math.floor(Math.random() * 50) - 25)).toString());
    const text = `{"x": {"f": [${floats.join(',')}], "version": "1"}}`;
    const py = await pythonDumps(text);
    expect(serializeIndex(parseIndex(text, 't'))).toBe(py);
    expect(serializeIndex(parseIndex(py, 't'))).toBe(py);
  });

  it('names the source on bad JSON and on a non-object', () => {
    expect(() => parseIndex('{"a": 1,}', 'testing/plugins.db')).toThrow(/testing\/plugins\.db: not valid JSON .*line 1/);
    expect(() => parseIndex('[1, 2]', 'testing/plugins.db')).toThrow(/testing\/plugins\.db: must be a JSON object/);
    expect(() => parseIndex('{"a": NaN}', 'x')).toThrow(/x: not valid JSON/);
    expect(() => parseJson('"\\x"', 'x')).toThrow(/invalid escape/);
  });

  it('keeps __proto__ and other odd keys as data', () => {
    const text = '{"__proto__": {"version": "1", "constructor": 1}}';
    const index = parseIndex(text, 't');
    expect(isJsonObject(index.get('__proto__'))).toBe(true);
    expect(serializeIndex(index)).toBe('{"__proto__":{"constructor":1,"version":"1"}}');
  });

  it('attributes package files to the longest matching plugin id', () => {
    const known = ['xivo-aastra', 'xivo-aastra-3.3.1'];
    expect(packageFileVersion('xivo-aastra-3.3.1-1.0.0.tar.bz2', 'xivo-aastra', known)).toBeNull();
    expect(packageFileVersion('xivo-aastra-3.3.1-1.0.0.tar.bz2', 'xivo-aastra-3.3.1', known)).toBe('1.0.0');
    expect(packageFileVersion('xivo-aastra-2.0.0.tar.bz2', 'xivo-aastra', known)).toBe('2.0.0');
    const index = parseIndex(
      '{"xivo-aastra": {"version": "2.0.0", "filename": "xivo-aastra-2.0.0.tar.bz2"}, "xivo-aastra-3.3.1": {"version": "1.0.0", "filename": "xivo-aastra-3.3.1-1.0.0.tar.bz2"}}',
      't',
    );
    const names = ['xivo-aastra-1.0.0.tar.bz2', 'xivo-aastra-2.0.0.tar.bz2', 'xivo-aastra-3.0.0.tar.bz2', 'xivo-aastra-3.3.1-0.9.0.tar.bz2', 'xivo-aastra-3.3.1-1.0.0.tar.bz2'];
    expect(supersededFiles(names, index, 'xivo-aastra')).toEqual(['xivo-aastra-1.0.0.tar.bz2']);
    expect(supersededFiles(names, index, 'xivo-aastra-3.3.1')).toEqual(['xivo-aastra-3.3.1-0.9.0.tar.bz2']);
  });
});
