import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sync as globSync } from 'fast-glob';

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
  // .js: the published build runs compiled code
  const files = globSync(['**/*.{ts,js,py,json}'], { cwd: root, ignore: ['**/*.spec.ts'], dot: false }).sort();
  for (const rel of files) hash.update(`/${rel}`).update(readFileSync(join(root, rel)));
  cached = hash.digest('hex');
  return cached;
}
