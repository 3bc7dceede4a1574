/**
 * provd-test.json: custom devices and raw configs of a family or model, checked against
 * provd-test.schema.json (the one document users read) by a validator of the few keywords
 * that schema uses, so the schema and the check cannot drift apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

import { PROVD_TEST_FILE } from '../format/snapshot-dir';

export { PROVD_TEST_FILE };
export const PROVD_TEST_SCHEMA = join(__dirname, 'provd-test.schema.json');

export interface ProvdTestDevice {
  name: string;
  description?: string;
  vendor?: string;
  model?: string;
  version?: string;
  lines?: number;
  device?: Record<string, unknown>;
  raw_config?: Record<string, unknown>;
}

export interface ProvdTest {
  base_raw_config?: Record<string, unknown>;
  raw_config?: Record<string, unknown>;
  devices?: ProvdTestDevice[];
}

/** A provd-test.json read and checked, with the file it came from (as errors name it). */
export interface ProvdTestFile {
  file: string;
  data: ProvdTest;
}

export class ProvdTestError extends Error {}

/** `<dir>/provd-test.json` checked, undefined when the folder has none; a ProvdTestError names the file and the problem. */
export function readProvdTest(dir: string): ProvdTestFile | undefined {
  const path = join(dir, PROVD_TEST_FILE);
  if (!existsSync(path)) return undefined;
  const file = displayPath(path);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ProvdTestError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const problems = validate(data, schema(), schema(), '');
  const names = new Set<string>();
  for (const [i, d] of (Array.isArray((data as ProvdTest)?.devices) ? (data as ProvdTest).devices! : []).entries()) {
    if (typeof d?.name !== 'string') continue;
    if (names.has(d.name)) problems.push(`devices[${i}].name: '${d.name}' is already the name of another device of this file`);
    names.add(d.name);
  }
  if (problems.length) throw new ProvdTestError(`${file} does not match provd-test.schema.json: ${problems.join('; ')}`);
  return { file, data: data as ProvdTest };
}

/** Relative to the working directory (the workspace root under Nx) when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  $ref?: string;
  [key: string]: unknown;
};

let loaded: Schema | undefined;
function schema(): Schema {
  return (loaded ??= JSON.parse(readFileSync(PROVD_TEST_SCHEMA, 'utf8')));
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every problem of `value` against `s` (the keywords provd-test.schema.json uses), each prefixed with its JSON path. */
function validate(value: unknown, s: Schema, root: Schema, at: string): string[] {
  if (s.$ref) {
    const target = s.$ref.replace(/^#\//, '').split('/').reduce<any>((o, k) => o?.[k], root);
    if (!target) throw new Error(`provd-test.schema.json: unknown $ref ${s.$ref}`);
    return validate(value, target, root, at);
  }
  const where = at || 'the top level';
  const problems: string[] = [];
  const actual = typeOf(value);
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => t === actual || (t === 'number' && actual === 'integer'))) {
      return [`${where}: must be ${types.map((t) => (t === 'object' || t === 'array' || t === 'integer' ? `an ${t}` : `a ${t}`)).join(' or ')}, not ${actual === 'null' ? 'null' : `${/^[aeiou]/.test(actual) ? 'an' : 'a'} ${actual}`}`];
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${where}: must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) problems.push(`${where}: must not be empty`);
    if (s.maxLength !== undefined && value.length > s.maxLength) problems.push(`${where}: longer than ${s.maxLength} characters`);
    if (s.pattern && !new RegExp(s.pattern).test(value)) problems.push(`${where}: ${JSON.stringify(value)} does not match ${s.pattern}`);
  }
  if (typeof value === 'number') {
    if ((s.minimum !== undefined && value < s.minimum) || (s.maximum !== undefined && value > s.maximum)) {
      problems.push(`${where}: must be from ${s.minimum ?? '-∞'} to ${s.maximum ?? '∞'}, not ${value}`);
    }
  }
  if (actual === 'array' && s.items) {
    (value as unknown[]).forEach((item, i) => problems.push(...validate(item, s.items!, root, `${at}[${i}]`)));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) problems.push(`${where}: '${key}' is required`);
    for (const [key, v] of Object.entries(obj)) {
      const path = at ? `${at}.${key}` : key;
      const sub = s.properties?.[key];
      if (sub) problems.push(...validate(v, sub, root, path));
      else if (s.additionalProperties === false) {
        const known = Object.keys(s.properties ?? {}).filter((k) => k !== '$schema');
        problems.push(`${where}: unknown key '${key}' (known: ${known.join(', ')})`);
      } else if (typeof s.additionalProperties === 'object') problems.push(...validate(v, s.additionalProperties, root, path));
    }
  }
  return problems;
}
