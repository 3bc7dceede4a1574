import { describe, expect, it } from 'vitest';
import { isExcluded } from './filter';
import { RsyncFilterRule, parseRsyncArgv } from './argv';

const inc = (pattern: string): RsyncFilterRule => ({ action: 'include', pattern });
const exc = (pattern: string): RsyncFilterRule => ({ action: 'exclude', pattern });

describe('parseRsyncArgv', () => {
  it('parses the recipe form with its filter rules in order', () => {
    const argv = ['rsync', '-rlp', '--exclude', '.*', '--include', '/templates/', '--include', '/templates/*.tpl', '--exclude', '/templates/*', 'common/', '/out/plugin'];
    expect(parseRsyncArgv(argv)).toEqual({
      sources: ['common/'],
      dest: '/out/plugin',
      rules: [exc('.*'), inc('/templates/'), inc('/templates/*.tpl'), exc('/templates/*')],
      recursive: true,
      links: true,
      perms: true,
      times: false,
    });
  });

  it('expands -a and combined short flags, ignores output-only flags', () => {
    expect(parseRsyncArgv(['/usr/bin/rsync', '-avzhP', '--progress', '--stats', 'a', 'b'])).toEqual({
      sources: ['a'],
      dest: 'b',
      rules: [],
      recursive: true,
      links: true,
      perms: true,
      times: true,
      owner: true,
      group: true,
      devices: true,
      specials: true,
    });
    expect(parseRsyncArgv(['rsync', '--archive', '--no-perms', '--no-o', '--no-g', '--no-D', '-q', 'a', 'b'])).toEqual({
      sources: ['a'], dest: 'b', rules: [], recursive: true, links: true, perms: false, times: true, quiet: true,
    });
    expect(parseRsyncArgv(['rsync', '-r', '--links', '--perms', '--times', '-c', '-I', 'a', 'b'])).toMatchObject({
      recursive: true, links: true, perms: true, times: true, checksum: true, ignoreTimes: true,
    });
    // sequential like rsync: a later -a turns recursion back on
    expect(parseRsyncArgv(['rsync', '--no-r', '-a', 'a', 'b'])?.recursive).toBe(true);
    expect(parseRsyncArgv(['rsync', '-a', '--no-recursive', 'a', 'b'])?.recursive).toBe(false);
  });

  it('accepts --opt=value, options after operands, several sources and "--"', () => {
    expect(parseRsyncArgv(['rsync', 'x/', 'y', '--exclude=*.bak', '--include=*.tpl', '-r', '--', '-odd', 'dest'])).toEqual({
      sources: ['x/', 'y', '-odd'],
      dest: 'dest',
      rules: [exc('*.bak'), inc('*.tpl')],
      recursive: true,
      links: false,
      perms: false,
      times: false,
    });
  });

  it('applies the "+ "/"- " prefixes and "!" of --include/--exclude values like rsync', () => {
    const parsed = parseRsyncArgv(['rsync', '-r', '--exclude', 'x', '--exclude', '!', '--exclude', '+ a', '--include', '- b', '--exclude', '', '--exclude', '!c', 's/', 'd']);
    expect(parsed?.rules).toEqual([inc('a'), exc('b'), exc('!c')]);
  });

  it.each([
    ['--delete'], ['--delete-after'], ['-L'], ['--copy-links'], ['-k'], ['-K'], ['-H'], ['-R'], ['--relative'],
    ['--filter=- x'], ['-f'], ['-F'], ['--files-from=list'], ['--exclude-from=list'], ['--include-from=list'],
    ['--cvs-exclude'], ['-C'], ['-m'], ['--prune-empty-dirs'], ['-n'], ['--dry-run'], ['-u'], ['-E'], ['-x'], ['-d'],
    ['--chmod=u+x'], ['--size-only'], ['--force'], ['--mkpath'], ['--inplace'], ['-b'], ['-e'], ['-O'], ['-A'], ['-X'],
    ['--constructor'], ['--no-verbose'], ['-rlpS'], ['--recursive=yes'],
  ])('returns null for %s', (opt) => {
    expect(parseRsyncArgv(['rsync', '-r', opt, 'src/', 'dest'])).toBeNull();
  });

  it.each([
    [['cp', '-r', 'a', 'b']],
    [['rsync', '-r', 'onlyone']],
    [['rsync', '-r', 'host:src/', 'dest']],
    [['rsync', '-r', 'src/', 'rsync://host/mod']],
    [['rsync', '-r', 'src/', '']],
    [['rsync', '-r', 'src/..', 'dest']],
    [['rsync', '-r', 'src/', 'dest', '--exclude']],
    [['rsync', '-r', '--exclude', '- ', 'src/', 'dest']],
    [[]],
  ])('returns null for %j', (argv) => {
    expect(parseRsyncArgv(argv)).toBeNull();
  });
});

/** [path, is a directory, exclude pattern, excluded]: one rule at a time. */
const PATTERN_CASES: Array<[string, boolean, string, boolean]> = [
  // matches names without "/" at any depth and paths with "/" at component boundaries
  ['a.tpl', false, '*.tpl', true],
  ['x/y/a.tpl', false, '*.tpl', true],
  ['x/a.tplx', false, '*.tpl', false],
  ['.git', true, '.*', true],
  ['a/.hidden', false, '.*', true],
  ['templates/x.tpl', false, 'templates/*.tpl', true],
  ['a/templates/x.tpl', false, 'templates/*.tpl', true],
  ['templates/sub/x.tpl', false, 'templates/*.tpl', false],
  ['mytemplates/x.tpl', false, 'templates/x.tpl', false],
  ['a/templates/x.tpl', false, 'templates/x.tpl', true],
  // anchors a leading "/" to the transfer root
  ['templates', true, '/templates', true],
  ['a/templates', true, '/templates', false],
  ['templates/x.tpl', false, '/templates/*', true],
  ['templates/sub/x.tpl', false, '/templates/*', false],
  ['/templates', true, '/templates', true], // one leading '/' is ignored
  // makes a trailing "/" match directories only
  ['sub', true, 'sub/', true],
  ['sub', false, 'sub/', false],
  ['a/sub', true, 'sub/', true],
  ['x', true, '*/', true],
  ['x', false, '*/', false],
  // handles "*", "**", "***", "?" and character classes
  ['a/b/c.tpl', false, 'a/*/c.tpl', true],
  ['a/b/d/c.tpl', false, 'a/*/c.tpl', false],
  ['a/b/d/c.tpl', false, 'a/**/c.tpl', true],
  ['x/a/b/c.tpl', false, 'a/**', true],
  ['a', true, 'a/**', false],
  ['c.tpl', false, '**/c.tpl', true], // "**/" may match nothing at the top
  ['c.tpl', false, '/**/c.tpl', false], // ...but not once anchored
  ['x/c.tpl', false, '/**/c.tpl', true],
  ['t', true, 't/***', true],
  ['t', false, 't/***', false],
  ['t/a/b', false, 't/***', true],
  ['ab.tpl', false, '?b.tpl', true],
  ['b.tpl', false, '?b.tpl', false],
  ['é.tpl', false, '?.tpl', false], // '?' is one byte, 'é' is two
  ['é.tpl', false, '??.tpl', true],
  ['a1', false, 'a[0-9]', true],
  ['ax', false, 'a[!0-9]', true],
  ['a5', false, 'a[^0-9]', false],
  ['a]', false, 'a[]]', true],
  ['a-', false, 'a[x-]', true],
  ['a7', false, 'a[[:digit:]]', true],
  ['a[', false, 'a[[]', true],
  ['a/b', false, 'a[/]b', false], // classes never match '/'
  ['a*', false, 'a\\*', true],
  ['ab', false, 'a\\*', false],
  ['ab', false, 'a[b', false], // unterminated class never matches
  ['a\\b', false, 'a\\b', true], // no wildcard: backslash is literal
];

describe('isExcluded', () => {
  it.each(PATTERN_CASES)('%s (directory: %s) against exclude %s: excluded %s', (relPath, isDir, pattern, excluded) => {
    expect(isExcluded(relPath, isDir, [exc(pattern)])).toBe(excluded);
  });

  it('uses the first matching rule, defaulting to include', () => {
    const rules = [inc('*/'), inc('*.tpl'), exc('*')];
    expect(isExcluded('templates', true, rules)).toBe(false);
    expect(isExcluded('templates/x.tpl', false, rules)).toBe(false);
    expect(isExcluded('templates/x.txt', false, rules)).toBe(true);
    const recipe = [exc('.*'), inc('/templates/'), inc('/templates/*.tpl'), exc('/templates/*')];
    expect(isExcluded('templates', true, recipe)).toBe(false);
    expect(isExcluded('templates/a.tpl', false, recipe)).toBe(false);
    expect(isExcluded('templates/.a.tpl', false, recipe)).toBe(true);
    expect(isExcluded('templates/sub', true, recipe)).toBe(true);
    expect(isExcluded('other/x', false, recipe)).toBe(false);
    expect(isExcluded('anything', false, [])).toBe(false);
  });
});
