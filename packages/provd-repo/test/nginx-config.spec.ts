/**
 * `provd-repo nginx-config` as a command: what it prints for each prefix, and a clear refusal
 * (exit 2, naming the option) for input nginx would read as something else. nginx.spec.ts runs
 * what it prints.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(__dirname, '../bin/provd-repo.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'nginx-config', ...args], { encoding: 'utf8' });

describe('provd-repo nginx-config', () => {
  it('prints one upstream and, per prefix, the package, plugins.db and proxy locations', () => {
    const r = run('--root', '/srv/provd repo/', '--upstream', '127.0.0.1:9000', '--listen', '8080', '--prefix', '/plugins/2', '--prefix', 'plugins/1/addons/', '--body-limit', '1000');
    expect(r.status, r.stderr).toBe(0);
    const conf = r.stdout;
    expect(conf).toMatch(/upstream provd_repo \{\n\s+server 127\.0\.0\.1:9000;/);
    expect(conf).toContain('listen 8080;');
    expect(conf).toContain('client_max_body_size 1000;');
    expect(conf).toContain('disable_symlinks on from="/srv/provd repo";');
    for (const prefix of ['/plugins/2', '/plugins/1/addons']) {
      expect(conf).toContain(`location ~ "^${prefix}/(?<provd_channel>`);
      expect(conf).toContain(`location ${prefix}/ {\n        proxy_pass http://provd_repo;`);
    }
    expect(conf.match(/add_header Cache-Control "public, max-age=31536000, immutable";/g)).toHaveLength(2);
    expect(conf.match(/add_header Cache-Control "no-cache";/g)).toHaveLength(2);
    expect(conf.match(/alias "\/srv\/provd repo\/\$provd_channel\/\$provd_file";/g)).toHaveLength(2);
  });

  it('resolves a relative root from where it runs, as serve does', () => {
    const r = spawnSync(process.execPath, [BIN, 'nginx-config', '--root', 'repo'], { encoding: 'utf8', cwd: '/tmp' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('alias "/tmp/repo/$provd_channel/plugins.db";');
  });

  for (const [what, args, message] of [
    ['a root nginx would read as a variable', ['--root', '/srv/$x'], /nginx cannot be given this path safely/],
    ['a root with a quote', ['--root', '/srv/"x'], /nginx cannot be given this path safely/],
    ['no root', [], /--root is required/],
    ['an upstream that is not host:port', ['--root', '/srv', '--upstream', '127.0.0.1:1; evil'], /--upstream .*: expected host:port/],
    ['a prefix with ..', ['--root', '/srv', '--prefix', '/plugins/../x'], /invalid --prefix/],
    ['a body limit that is not a byte count', ['--root', '/srv', '--body-limit', '1m'], /--body-limit 1m: not a byte count/],
  ] as const) {
    it(`refuses ${what}`, () => {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});
