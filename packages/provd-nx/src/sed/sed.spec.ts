/**
 * The native sed replay against the real sed (GNU sed, the oracle): every script
 * form of the replayed subset on inputs chosen to break it (no trailing newline,
 * CRLF, empty file, NUL, invalid UTF-8, non-ASCII...), in the C and UTF-8 locales,
 * must give the same bytes; everything outside the subset must be refused; shell
 * lines must split as /bin/sh splits them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/temp';
import { parseSedArgv } from './argv';
import { nativeSedEnvironment } from './environment';
import { parseSedScript } from './script';
import { splitShellCommand } from './shell-command';
import { substitute } from './substitute';

const INPUTS: Record<string, Buffer> = {
  plain: Buffer.from('hello world\nfoo bar\n'),
  'no trailing newline': Buffer.from('a@F@b\n@F@'),
  empty: Buffer.alloc(0),
  'one newline': Buffer.from('\n'),
  'blank lines': Buffer.from('\n\n\nx\n\n'),
  crlf: Buffer.from('line @F@ one\r\nline two\r\n\r\n@F@\r\n'),
  'lone CR': Buffer.from('a\rb\r'),
  'UTF-8': Buffer.from('été @F@ ñandú 日本 @F@\nΩ hello\n'),
  'invalid UTF-8': Buffer.from([0xff, 0xfe, 0x40, 0x46, 0x40, 0xc3, 0x28, 0x6f, 0x0a, 0xe2, 0x82, 0x6f, 0x61, 0x61, 0x0a, 0xc3, 0xa9, 0x40, 0x46, 0x40]),
  NUL: Buffer.from('a\0@F@\0b\nhel\0lo\n'),
  repeated: Buffer.from('@F@@F@@F@ aaa aaaa o\noooo\n'),
  'special characters': Buffer.from('a.b*c[d]e^f$g\\h/i&j#k|l+m?n(o)p{q}r ~x=y%z;w!v@u:t,s_\n'),
  template: Buffer.from(
    '<firmware version="@FIRMWARE@" url="{{ http_base }}/@FIRMWARE@/#MODEL#.bin"/>\n' +
      '<setting name="x" value="{{ line.value|d(\'\') }}"/>\t\n  #MODEL#  \n'
  ),
  'long line': Buffer.from(Array.from({ length: 4000 }, (_, i) => (i % 97 === 0 ? '@F@' : `w${i} `)).join('') + '\n'),
  'trailing blanks': Buffer.from('x \t\n\ty\n \n'),
};

/** Scripts of the subset (each must parse), as one script argument. */
const SCRIPTS = [
  's/@F@/8.7.5/g',
  's/@F@/8.7.5/',
  's/#MODEL#/100/',
  's/o/0/g',
  's/aa/X/g',
  's/aa/X/',
  's/hello world/HW/',
  // & and its escape
  's/@F@/[&]/g',
  's/o/&&/g',
  's/o/\\&/g',
  's/b/x\\&y&/',
  // escaped delimiter, escaped backslash
  's/a\\/b/X/',
  's/\\//|/g',
  's/x/a\\/b/',
  's/o/\\\\/g',
  's/g\\\\h/X/',
  // other delimiters
  's#@F@#a/b#g',
  's,o,0,g',
  's:o:0:',
  's@F@X@',
  's!o!0!g',
  's%o%0%g',
  's;o;0;g',
  's=o=0=g',
  's_o_0_g',
  's~o~0~g',
  's#\\##X#g',
  // escaped regex characters are literals
  's/a\\.b/X/',
  's/b\\*c/X/',
  's/c\\[d/X/',
  's/\\^f/X/',
  's/f\\$g/X/',
  's/\\$/D/g',
  // characters special only in extended expressions are literals
  's/l+m/X/',
  's/m?n/X/',
  's/(o)/X/',
  's/{q}/X/',
  's/k|l/X/',
  's/d]e/X/',
  's/ ~x=y%z;w!v@u:t,s_/Y/',
  // anchors
  's/^/# /',
  's/$/ ;/',
  's/^$/EMPTY/',
  's/^line/LINE/',
  's/two$/2/',
  's/^/>/g',
  's/$/</g',
  's/^x$/y/',
  's/^@F@/S/g',
  's/@F@$/E/g',
  // newlines in the pattern space
  's/ /\\n/g',
  's/o/\\n/;s/\\n/[NL]/',
  's/o/\\n/g;s/^/</;s/$/>/',
  's/^/a\\nb/',
  // several commands
  's/a/b/;s/b/c/g',
  's/@F@/1/g; s/o/0/ ;',
  ' s/x/y/ ',
  ';s/a/b/',
  's/a/b/\ns/c/d/',
  's/o/oo/g;s/oo/o/g',
  // replacements: non-ASCII, tab, empty
  's/@F@/été/g',
  's/o/日本/',
  's/ /\t/g',
  's/o//g',
  's/@F@//',
];

/** Outside the subset: the real sed keeps running these. */
const REFUSED_SCRIPTS = [
  's/a.b/x/',
  's/a*/x/',
  's/[ab]/x/',
  's/\\(a\\)/\\1/',
  's/a/\\1/',
  's/a/b/2',
  's/a/b/p',
  's/a/b/I',
  's/a/b/gI',
  's/a/b/gg',
  's/a/b/w out',
  's/a/b/e',
  's/a/b/ g',
  'y/ab/cd/',
  '1s/a/b/',
  '/x/s/a/b/',
  '$s/a/b/',
  's/a/\\U&/',
  's/a/\\u&/',
  's/a/\\t/',
  's/\\t/x/',
  's/\\x41/x/',
  's/\\w/x/',
  's/\\+/x/',
  's/a\\|b/x/',
  's/a\\{2\\}/x/',
  's//x/',
  's/a/b',
  's/a/b/;p',
  's/a/b/;d',
  's/a/b/ # comment',
  '{s/a/b/}',
  's|a|b|',
  's.a.b.',
  's a b ',
  'sxaxbx',
  's/é/e/',
  's/a\tb/x/',
  's/a^b/x/',
  's/a$b/x/',
  's/^^/x/',
  's/$$/x/',
  's/^*/x/',
  's/a/b\\\nc/',
  's/a\nb/c/',
  '',
  ' ; ',
  'p',
];

/** Where the real sed ran: one python3 process runs every case (a spawn per case from here is slow). */
function realSed(dir: string, cases: Array<{ args: string[]; locale: string }>): Array<{ code: number; stdout: Buffer }> {
  const request = join(dir, 'cases.json');
  writeFileSync(request, JSON.stringify(cases));
  const script =
    'import json,os,subprocess,sys\n' +
    'cases=json.load(open(sys.argv[1]))\n' +
    'for i,c in enumerate(cases):\n' +
    '    env=dict(os.environ, LC_ALL=c["locale"]); env.pop("POSIXLY_CORRECT", None)\n' +
    '    r=subprocess.run(["sed"]+c["args"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)\n' +
    '    open(os.path.join(os.path.dirname(sys.argv[1]), "out-%d" % i), "wb").write(r.stdout)\n' +
    '    print(r.returncode)\n';
  const r = spawnSync('python3', ['-c', script, request], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  const codes = r.stdout.trim().split('\n').map(Number);
  return cases.map((_, i) => ({ code: codes[i], stdout: readFileSync(join(dir, `out-${i}`)) }));
}

const LOCALES = ['C', 'C.UTF-8'];

describe('native sed replay, against the real sed', () => {
  const tmp = useTempDir('provd-sed-');
  const files: Record<string, string> = {};
  beforeAll(() => {
    Object.entries(INPUTS).forEach(([name, bytes], i) => {
      files[name] = tmp(`input-${i}`);
      writeFileSync(files[name], bytes);
    });
  });

  it('the sed here is GNU sed in a locale the replay stands for (else every case below would run python3)', () => {
    expect(nativeSedEnvironment({ ...process.env, LC_ALL: 'C.UTF-8' })).toBe(true);
    expect(nativeSedEnvironment({ ...process.env, LC_ALL: 'ja_JP.SJIS' })).toBe(false);
    expect(nativeSedEnvironment({ ...process.env, LC_ALL: 'C', POSIXLY_CORRECT: '1' })).toBe(false);
  });

  it('gives the same bytes for every script of the subset on every input, in the C and UTF-8 locales', () => {
    const argvs: string[][] = [
      ...SCRIPTS.map((s) => [s]),
      // the other command-line forms
      ['-e', 's/@F@/8.7.5/g'],
      ['-e', 's/a/b/', '-e', 's/b/c/g'],
      ['-e', 's/o/\\n/', '-e', 's/^/[/;s/$/]/'],
      ['--expression=s/o/0/g', '--expression', 's/^/>/'],
      ['-e', 's/o/O/', '--'],
    ];
    const cases: Array<{ args: string[]; locale: string; input: string }> = [];
    for (const argv of argvs) {
      if (argv.length === 1) expect(parseSedScript(argv[0]), JSON.stringify(argv[0])).not.toBeNull();
      for (const input of Object.keys(INPUTS)) for (const locale of LOCALES) cases.push({ args: [...argv, files[input]], locale, input });
    }
    const real = realSed(tmp(), cases.map(({ args, locale }) => ({ args, locale })));
    let compared = 0;
    cases.forEach((c, i) => {
      const label = `sed ${JSON.stringify(c.args.slice(0, -1))} on ${c.input} (LC_ALL=${c.locale})`;
      expect(real[i].code, label).toBe(0);
      const sed = parseSedArgv(['sed', ...c.args]);
      expect(sed, label).not.toBeNull();
      expect(sed!.input).toBe(files[c.input]);
      const native = substitute(INPUTS[c.input], sed!.program);
      // compared as hex: a mismatch shows the bytes
      expect(native.toString('hex'), label).toBe(real[i].stdout.toString('hex'));
      compared++;
    });
    expect(compared).toBe((SCRIPTS.length + 5) * Object.keys(INPUTS).length * LOCALES.length);
  });

  it('refuses every script outside the subset', () => {
    for (const script of REFUSED_SCRIPTS) expect(parseSedScript(script), JSON.stringify(script)).toBeNull();
  });

  it('refuses other options, other programs, no input file or several, stdin, undecodable arguments', () => {
    const refused = [
      ['sed', '-n', 's/a/b/p', 'f'],
      ['sed', '-i', 's/a/b/', 'f'],
      ['sed', '-E', 's/a/b/', 'f'],
      ['sed', '-r', 's/a/b/', 'f'],
      ['sed', '-s', 's/a/b/', 'f'],
      ['sed', '-z', 's/a/b/', 'f'],
      ['sed', '-u', 's/a/b/', 'f'],
      ['sed', '--posix', 's/a/b/', 'f'],
      ['sed', '-ne', 's/a/b/', 'f'],
      ['sed', '-f', 'script.sed', 'f'],
      ['sed', 's/a/b/', 'f', 'g'],
      ['sed', '-e', 's/a/b/', 'f', 'g'],
      ['sed', 's/a/b/'],
      ['sed', '-e', 's/a/b/'],
      ['sed', '-e'],
      ['sed', 's/a/b/', '-'],
      ['sed', '-e', 's/a/b/', '--', '-f'],
      ['gsed', 's/a/b/', 'f'],
      ['ssed', 's/a/b/', 'f'],
      ['./sed', 's/a/b/', 'f'],
      ['sed', 's/a/\udcff/', 'f'],
    ];
    for (const argv of refused) expect(parseSedArgv(argv), JSON.stringify(argv)).toBeNull();
    expect(parseSedArgv(['/usr/bin/sed', 's/a/b/', 'f'])).not.toBeNull();
    expect(parseSedArgv(['sed', 's/a/b/', '--', 'f'])).toEqual(parseSedArgv(['sed', 's/a/b/', 'f']));
  });
});

describe('shell lines, against /bin/sh', () => {
  const tmp = useTempDir('provd-sed-sh-');

  /** The words sh passes to `sed` and the file it redirects to, with sed replaced by a function printing them. */
  function sh(line: string): { argv: string[]; stdout?: string } {
    const dir = tmp();
    const prelude = 'sed() { for a in "$@"; do printf "%s\\0" "$a"; done; }; ';
    const r = spawnSync('/bin/sh', ['-c', prelude + line], { cwd: dir, encoding: 'utf8' });
    expect(r.status, `${line}: ${r.stderr}`).toBe(0);
    const split = splitShellCommand(line)!;
    const printed = split.stdout ? readFileSync(join(dir, split.stdout), 'utf8') : r.stdout;
    return { argv: ['sed', ...printed.split('\0').slice(0, -1)], ...(split.stdout ? { stdout: split.stdout } : {}) };
  }

  it('splits the shapes recipes write as sh does', () => {
    const lines = [
      'sed -e "s/@FIRMWARE@/8.7.5/g" common/templates/base.tpl > out-1.tpl',
      "sed -e 's/#MODEL#/100/' common/x.btpl >out-2.tpl",
      'sed "s/a b/c d/g" in > \'out 3.tpl\'',
      "sed -e 's/it'\"'\"'s/its/' in > out-4",
      'sed\t-e  "s/#x#/a;b/"   in\t>\tout-5',
      "sed -e '' in > out-6",
      'sed -e s/a/b/ in-1.tpl > out-7',
      "sed 's/$x/`y`/' in > out-8",
      'sed -e "s/a/b/" in',
    ];
    for (const line of lines) {
      const split = splitShellCommand(line);
      expect(split, line).not.toBeNull();
      expect(split, line).toEqual(sh(line));
    }
  });

  it('refuses anything sh would expand or interpret otherwise', () => {
    const refused = [
      'sed -e "s/$HOME/x/" in > out',
      'sed -e "s/`id`/x/" in > out',
      'sed -e "s/a/b\\\\/" in > out',
      'sed -e s/a/b/ $IN > out',
      'sed -e s/a/b/ *.tpl > out',
      'sed -e s/a/b/ in?.tpl > out',
      'sed -e s/a/b/ ~/in > out',
      'sed -e s/a/b/ in > out; rm -rf x',
      'sed -e s/a/b/ in | tee out',
      'sed -e s/a/b/ in && true',
      'sed -e s/a/b/ in > out &',
      'sed -e s/a/b/ in 2> err',
      'sed -e s/a/b/ in 2>&1 > out',
      'sed -e s/a/b/ in >> out',
      'sed -e s/a/b/ in >| out',
      'sed -e s/a/b/ in > out > out2',
      'sed -e s/a/b/ in>out',
      'sed -e s/a/b/ in >',
      'sed -e s/a/b/ < in > out',
      'sed -e s/a/b/ in > out # comment',
      'sed -e s/a/b/ \\in > out',
      'sed -e s/a/b/ $(echo in) > out',
      'sed -e "s/a/b/ in > out',
      "sed -e 's/a/b/ in > out",
      'sed -e s/a/b/ {a,b} > out',
      'sed -e s/a/b/ in\n> out',
      '',
    ];
    for (const line of refused) expect(splitShellCommand(line), JSON.stringify(line)).toBeNull();
  });
});
