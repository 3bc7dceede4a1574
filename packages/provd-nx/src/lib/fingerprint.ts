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
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|js|py|json)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        hash.update(full.slice(root.length)).update(readFileSync(full));
      }
    }
  };
  hash.update(JSON.parse(readFileSync(join(root, '..', 'package.json'), 'utf8')).version);
  walk(root);
  cached = hash.digest('hex');
  return cached;
}
