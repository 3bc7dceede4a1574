import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/**
 * A hash of this plugin's own code: inference results cached under an older
 * fingerprint are not reused, even when the package version did not move.
 */
export function pluginFingerprint(): string {
  if (cached) return cached;
  const hash = createHash('sha1');
  const root = join(__dirname, '..');
  hash.update(JSON.parse(readFileSync(join(root, '..', 'package.json'), 'utf8')).version);
  // .js: the published build runs compiled code. A plain walk: loading fast-glob (73 modules)
  // in every process that computes the graph cost more than the walk.
  const files = (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((rel) => /\.(ts|js|py|json)$/.test(rel) && !rel.endsWith('.spec.ts') && !/(^|\/)\./.test(rel))
    .sort();
  for (const rel of files) hash.update(`/${rel}`).update(readFileSync(join(root, rel)));
  cached = hash.digest('hex');
  return cached;
}
