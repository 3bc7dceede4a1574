import { readFileSync } from 'node:fs';
import { isJsonObject, JsonObject, JsonValue, parseJson } from './python-json';

export const PLUGIN_INFO = 'plugin-info';
/** Keys provd requires in every plugin-info (and so in every index entry). */
export const REQUIRED_INFO_KEYS = ['capabilities', 'description', 'version'] as const;

/** A plugin-info as parsed losslessly (the same reader as plugins.db), with the keys provd requires checked. */
export interface PluginInfo extends JsonObject {
  version: string;
  description: string;
  capabilities: JsonObject;
}

export class PluginInfoError extends Error {
  constructor(public readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'PluginInfoError';
  }
}

/** Parse and validate plugin-info text; `file` only names the file in errors. */
export function parsePluginInfo(text: string, file: string): PluginInfo {
  let data: JsonValue;
  try {
    data = parseJson(text, file);
  } catch (e) {
    throw new PluginInfoError(file, (e as Error).message.slice(file.length + 2));
  }
  if (!isJsonObject(data)) throw new PluginInfoError(file, 'must be a JSON object');
  const info = data;
  const missing = REQUIRED_INFO_KEYS.filter((k) => !(k in info));
  if (missing.length) throw new PluginInfoError(file, `missing required key(s): ${missing.join(', ')}`);
  if (typeof info.version !== 'string') throw new PluginInfoError(file, `"version" must be a string`);
  // provd treats the version as opaque: its shape only matters to version/publish (provd-version.ts)
  if (info.version === '') throw new PluginInfoError(file, `"version" is empty`);
  if (typeof info.description !== 'string') throw new PluginInfoError(file, `"description" must be a string`);
  if (!isJsonObject(info.capabilities)) {
    throw new PluginInfoError(file, `"capabilities" must be a JSON object`);
  }
  return info as PluginInfo;
}

/** Read and validate a plugin-info; `display` names it in errors (workspace-relative). */
export function readPluginInfo(file: string, display = file): PluginInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new PluginInfoError(display, err.code === 'ENOENT' ? 'missing: every model folder needs a plugin-info' : err.message);
  }
  return parsePluginInfo(text, display);
}

/**
 * Locate the string value of a top-level key in JSON text, so it can be
 * rewritten without touching formatting, key order or other values.
 */
export function findTopLevelString(text: string, key: string): { start: number; end: number } | null {
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = skipString(text, i);
      if (depth === 1 && expectKey) {
        const name = JSON.parse(text.slice(i, end));
        let j = end;
        while (/\s/.test(text[j] ?? '')) j++;
        if (text[j] === ':') {
          j++;
          while (/\s/.test(text[j] ?? '')) j++;
          if (name === key && text[j] === '"') return { start: j, end: skipString(text, j) };
          expectKey = false;
          i = j;
          continue;
        }
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return null;
}

function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  throw new Error('unterminated string');
}

/** Return plugin-info text with "version" replaced, everything else byte for byte. */
export function withVersion(text: string, version: string, file = PLUGIN_INFO): string {
  const span = findTopLevelString(text, 'version');
  if (!span) throw new PluginInfoError(file, 'no top-level "version" string to update');
  return text.slice(0, span.start) + JSON.stringify(version) + text.slice(span.end);
}
