import { describe, expect, it } from 'vitest';
import { parseRsyncListing } from './rsync';
import { repositoryLocation, locationKind, openRepository } from './open';

describe('locations', () => {
  it('PROVD_REPOSITORY overrides the configured location, which defaults to dist/repository', () => {
    const saved = process.env.PROVD_REPOSITORY;
    try {
      delete process.env.PROVD_REPOSITORY;
      expect(repositoryLocation(undefined)).toBe('dist/repository');
      expect(repositoryLocation('out/repo')).toBe('out/repo');
      process.env.PROVD_REPOSITORY = 'rsync://mirror/provd';
      expect(repositoryLocation('out/repo')).toBe('rsync://mirror/provd');
    } finally {
      if (saved === undefined) delete process.env.PROVD_REPOSITORY;
      else process.env.PROVD_REPOSITORY = saved;
    }
  });

  it('tells the backends apart like rsync does', () => {
    expect(locationKind('dist/repository')).toBe('local');
    expect(locationKind('/srv/provd')).toBe('local');
    expect(locationKind('./a:b')).toBe('local');
    expect(locationKind('deploy@mirror:/srv/provd')).toBe('ssh');
    expect(locationKind('mirror:provd')).toBe('ssh');
    expect(locationKind('rsync://mirror:8873/provd/plugins')).toBe('rsyncd');
    expect(locationKind('https://mirror/provd')).toBe('http');
    const repo = openRepository('out/repo', '/ws');
    expect(repo.location).toBe('/ws/out/repo');
    expect(repo.channel('stable').location).toBe('/ws/out/repo/stable');
    expect(openRepository('deploy@mirror:/srv/provd/', '/ws').channel('testing').location).toBe('deploy@mirror:/srv/provd/testing');
    expect(openRepository('https://user:secret@mirror/provd', '/ws').channel('testing').location).toBe('https://mirror/provd/testing');
    expect(() => openRepository('x', '/ws').channel('beta' as 'stable')).toThrow(/unknown channel "beta"/);
  });

  it('parses rsync --list-only output', () => {
    const out = [
      'drwxr-xr-x          4,096 2026/01/01 12:00:00 .',
      '-rw-r--r--      2,009,612 2026/01/01 12:00:00 xivo-a-1.0.0.tar.bz2',
      '-rw-r--r--            120 2026/01/01 12:00:00 plugins.db',
      '-rw-r--r--            120 2026/01/01 12:00:00 .plugins.db.lock',
      'drwxr-xr-x          4,096 2026/01/01 12:00:00 sub',
      'lrwxrwxrwx              5 2026/01/01 12:00:00 link -> x',
    ].join('\n');
    expect(parseRsyncListing(out)).toEqual(['plugins.db', 'xivo-a-1.0.0.tar.bz2']);
  });
});
