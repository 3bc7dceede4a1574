/**
 * Random file names for the fuzz spec (random-tree.ts): unicode (NFC and NFD, emoji), spaces,
 * quotes, shell metacharacters, control characters, names up to 255 bytes.
 */
import type { Rng } from './random-draws';

export const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const POOLS = {
  ascii: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.',
  latin: 'éèêëàâäçñöüßÅåøæœÉÀÇ',
  greek: 'αβγδεζηθλμπσφψωΩΣ',
  cyrillic: 'абвгдежзийклмнопрстуфхцчшщыэюяЖЯ',
  cjk: '電話機設定固件テスト한국어',
  emoji: ['📞', '☎️', '👨‍👩‍👧', '🇫🇷', '🧪', '💾', '🔥', '👍🏽'],
  punct: ` '"\`$&;()[]{}*?!#~%+=,@^\\|<>:`,
};

/** Names with a story: provd folders, shell metacharacters, NFC/NFD pairs, control characters. */
const WORDS = [
  'templates', 'firmware', 'base.tpl', 'fw.bin', 'README', 'common.py', 'entry.py', 'pkgs.db', 'var',
  'plugin-info', '-rf', '--help', '*', '?', '[ab]', '#x', '~x', 'a\\b', 'café', 'Ångström', '電話',
  'テスト.cfg', '📞', '👨‍👩‍👧', '🇫🇷 flag', 'naïve résumé', "it's", 'say "hi"', 'back`tick', '$HOME',
  ' lead', 'trail ', 'tab\there', 'new\nline', 'ctrl\u0001x', 'del\u007f', 'a b c', 'x.tar.bz2', 'CON',
  '.hidden', '..dots', '...', 'e\u0301', '\u00e9', 'ﬁle', 'Ω', 'Ω',
];

export function chunk(rng: Rng): string {
  const pool = rng.weighted<keyof typeof POOLS>([
    ['ascii', 6], ['latin', 2], ['greek', 1], ['cyrillic', 1], ['cjk', 1], ['emoji', 1], ['punct', 1.5],
  ]);
  const chars = Array.from(POOLS[pool] as string | string[]);
  let s = '';
  for (let i = rng.int(1, 6); i > 0; i--) s += rng.pick(chars);
  return s;
}

/** Cut to at most `max` bytes on a code point boundary. */
function fitBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (bytes(out + ch) > max) break;
    out += ch;
  }
  return out;
}

function normalizeForm(rng: Rng, s: string): string {
  return rng.weighted([['as is', 6], ['NFC', 2], ['NFD', 2]]) === 'as is' ? s : s.normalize(rng.chance(0.5) ? 'NFC' : 'NFD');
}

/** A random file name of at most `maxBytes` (<= 255) bytes, never '', '.', '..' or with '/' or NUL. */
export function randomName(rng: Rng, maxBytes: number, style?: 'long'): string {
  const limit = Math.min(255, maxBytes);
  const kind = style ?? rng.weighted([['plain', 5], ['word', 3], ['mixed', 4], ['long', 1], ['dot', 0.7]] as const);
  let name: string;
  switch (kind) {
    case 'plain':
      name = Array.from({ length: rng.int(1, 12) }, () => rng.pick(Array.from(POOLS.ascii))).join('');
      break;
    case 'word':
      name = normalizeForm(rng, rng.pick(WORDS));
      break;
    case 'mixed':
      name = normalizeForm(rng, Array.from({ length: rng.int(1, 4) }, () => chunk(rng)).join(rng.chance(0.3) ? ' ' : ''));
      break;
    case 'long': {
      // 200..255 bytes exactly as far as code points allow
      const want = Math.min(limit, rng.int(200, 255));
      name = '';
      while (bytes(name) < want) {
        const next = name + chunk(rng);
        if (bytes(next) > want) {
          name = fitBytes(next, want);
          break;
        }
        name = next;
      }
      break;
    }
    case 'dot':
      name = '.' + Array.from({ length: rng.int(1, 8) }, () => rng.pick(Array.from(POOLS.ascii))).join('');
      break;
  }
  name = fitBytes(name.replace(/[/\0]/g, '_'), limit);
  if (name === '' || name === '.' || name === '..') name = 'n' + rng.int(0, 999);
  return name;
}
