/**
 * Bearer tokens for writes. One token per line: `<token> <channel>[,<channel>...]` or
 * `<token> *`; `#` starts a comment. Read from a file (--tokens) and/or PROVD_REPO_TOKENS
 * (same format, lines may also be separated by ';').
 *
 * Tokens are compared as SHA-256 digests with timingSafeEqual, against every configured
 * token, so neither a token's length nor the position of the first wrong byte shows in the time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TokenGrant {
  digest: Buffer;
  /** null: every channel. */
  channels: Set<string> | null;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function parseTokens(text: string, where: string): TokenGrant[] {
  const grants: TokenGrant[] = [];
  text.split(/[\n;]/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [token, scope, ...rest] = line.split(/\s+/);
    if (!scope || rest.length) throw new Error(`${where}: entry ${i + 1}: expected "<token> <channel>[,<channel>...]" or "<token> *"`);
    if (token.length < 16) throw new Error(`${where}: entry ${i + 1}: token too short (at least 16 characters)`);
    const channels = scope === '*' ? null : new Set(scope.split(',').filter(Boolean));
    grants.push({ digest: digest(token), channels });
  });
  return grants;
}

export function loadTokens(file: string | undefined, env: string | undefined): TokenGrant[] {
  const grants: TokenGrant[] = [];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--tokens ${file}: ${(e as Error).message}`);
    }
    grants.push(...parseTokens(text, file));
  }
  if (env) grants.push(...parseTokens(env, 'PROVD_REPO_TOKENS'));
  return grants;
}

export type AuthResult = 'ok' | 'unauthenticated' | 'forbidden';

/** What an Authorization header may do to `channel`. */
export function authorize(grants: readonly TokenGrant[], header: string | undefined, channel: string): AuthResult {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return 'unauthenticated';
  const presented = digest(m[1]);
  let match: TokenGrant | undefined;
  for (const g of grants) if (timingSafeEqual(g.digest, presented) && !match) match = g; // no early exit
  if (!match) return 'unauthenticated';
  return match.channels === null || match.channels.has(channel) ? 'ok' : 'forbidden';
}
