/**
 * Whether the sed a recipe would run here behaves as the native replay does:
 * GNU sed (what provd's Debian hosts have; the replay follows its handling of
 * a last line without newline), not in POSIXLY_CORRECT mode, in a C, POSIX or
 * UTF-8 locale (where an ASCII byte is always a character of its own). Where
 * not, models with sed steps run their recipe under python3 as before.
 */
import { spawnSync } from 'node:child_process';

let gnu: boolean | undefined;

export function nativeSedEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POSIXLY_CORRECT !== undefined) return false;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (!(locale === '' || locale === 'C' || locale === 'POSIX' || /\.utf-?8(@|$)/i.test(locale))) return false;
  // one `sed --version` per process, only when a model has a sed step
  gnu ??= /\(GNU sed\)/.test(spawnSync('sed', ['--version'], { encoding: 'utf8', env }).stdout ?? '');
  return gnu;
}
