/**
 * Lossless JSON as Python writes it: plugins.db is written exactly like Python's
 * `json.dump(index, f, sort_keys=True, separators=(',', ':'))`. JavaScript numbers
 * cannot tell 1.0 from 1, so JSON is parsed into a lossless tree whose numbers keep
 * their source text (JsonNumber) and written back with Python's rules: an integer
 * literal stays an integer, a float literal is printed with Python's float repr
 * (0.9 -> 0.9, 1.0 -> 1.0, 1e3 -> 1000.0), strings are ASCII-escaped like Python's.
 */

/** A JSON number as written in its source, so 1.0 stays a float and big integers stay exact. */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** Python's json reads a literal with '.', 'e' or 'E' as a float, anything else as an int. */
  get isFloat(): boolean {
    return /[.eE]/.test(this.text);
  }
  toNumber(): number {
    return Number(this.text);
  }
  /** JSON.stringify writes the plain number (for debugging output, not for plugins.db). */
  toJSON(): number {
    return this.toNumber();
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Objects have a null prototype: keys like `__proto__` are plain data. */
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

export function newObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

/** Strict RFC 8259 JSON into a lossless tree; errors name `where` and the line/column. */
export function parseJson(text: string, where: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    throw new Error(`${where}: not valid JSON (${what} at line ${line} column ${column})`);
  };
  const skipSpace = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  /** After a member: true at `close` (consumed), false after a ',' (consumed), else an error. */
  const closes = (close: '}' | ']'): boolean => {
    skipSpace();
    if (text[i] === ',' || text[i] === close) return text[i++] === close;
    return fail(`expected ',' or '${close}'`);
  };
  const parseString = (): string => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i += 2;
      else if (c < 0x20) fail('control character in string');
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string; // decodes and validates the escapes
    } catch {
      i = start;
      return fail('invalid escape in string');
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = newObject();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail('expected a string key');
        const key = parseString();
        skipSpace();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = parseValue(depth + 1); // a repeated key keeps the last value, like Python
        if (closes('}')) return obj;
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        if (closes(']')) return arr;
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail(i >= text.length ? 'unexpected end' : `unexpected ${JSON.stringify(text[i])}`);
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const value = parseValue(0);
  skipSpace();
  if (i < text.length) fail('extra data after the value');
  return value;
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // digits d1d2... mean 0.d1d2... * 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

function pythonNumber(n: JsonNumber): string {
  return n.isFloat ? pythonFloatRepr(n.toNumber()) : BigInt(n.text).toString();
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python's ensure_ascii string: everything outside printable ASCII as \uXXXX (lowercase hex, per UTF-16 unit). */
function pythonString(s: string): string {
  return `"${s.replace(/["\\]|[^\x20-\x7e]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** `json.dumps(value, sort_keys=True, separators=(',', ':'))`, byte for byte. */
export function serializeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pythonString(value);
  if (value instanceof JsonNumber) return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map(serializeJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${pythonString(k)}:${serializeJson(value[k])}`).join(',')}}`;
}

/** Equality of JSON values as Python compares them after json.load (1 == 1.0). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    if (!(a instanceof JsonNumber && b instanceof JsonNumber)) return false;
    if (!a.isFloat && !b.isFloat) return BigInt(a.text) === BigInt(b.text);
    return a.toNumber() === b.toNumber();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isJsonObject(a) || isJsonObject(b)) {
    if (!isJsonObject(a) || !isJsonObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

/** Plain JS values (numbers lose their float-ness): for callers that only read. */
export function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(toPlain);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}
