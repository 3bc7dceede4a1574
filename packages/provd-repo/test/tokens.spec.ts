import { describe, expect, it } from 'vitest';
import { authorize, parseTokens } from '../src/tokens';

describe('write tokens', () => {
  const grants = parseTokens('# ci publishes to testing only\nci-token-0123456789abcdef testing\nrelease-token-0123456789 testing,stable\nadmin-token-0123456789abcd *\n', 'tokens.txt');

  it('scopes each token to its channels, * to all', () => {
    expect(authorize(grants, 'Bearer ci-token-0123456789abcdef', 'testing')).toBe('ok');
    expect(authorize(grants, 'Bearer ci-token-0123456789abcdef', 'stable')).toBe('forbidden');
    expect(authorize(grants, 'Bearer release-token-0123456789', 'stable')).toBe('ok');
    expect(authorize(grants, 'bearer admin-token-0123456789abcd', 'anything')).toBe('ok');
  });

  it('refuses missing, malformed and unknown tokens, and prefixes of real ones', () => {
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer ci-token-0123456789abcde', 'Bearer ci-token-0123456789abcdef0']) {
      expect(authorize(grants, header, 'testing'), String(header)).toBe('unauthenticated');
    }
    expect(authorize([], 'Bearer ci-token-0123456789abcdef', 'testing')).toBe('unauthenticated');
  });

  it('reads ;-separated entries (environment) and names the source and entry of a bad one', () => {
    expect(parseTokens('aaaaaaaaaaaaaaaa testing;bbbbbbbbbbbbbbbb *', 'PROVD_REPO_TOKENS')).toHaveLength(2);
    expect(() => parseTokens('aaaaaaaaaaaaaaaa\n', 'tokens.txt')).toThrow(/tokens.txt: entry 1: expected/);
    expect(() => parseTokens('\nshort testing\n', 'tokens.txt')).toThrow(/tokens.txt: entry 2: token too short/);
  });
});
