/** Opening a repository from its configured location: a folder, an rsync remote or a URL. */
import * as path from 'node:path';
import { RsyncChannel } from './rsync';
import { LocalChannel } from './local';
import { splitHttpCredentials, HttpChannel } from './http';
import { Repository, ChannelName, ChannelBackend, remoteJoin, CHANNEL_NAMES } from './backend';
import { provdEnv } from '../utils/env';

export const DEFAULT_REPOSITORY = 'dist/repository';

/** PROVD_REPOSITORY overrides the configured repository. */
export function repositoryLocation(configured: string | undefined): string {
  const fromEnv = provdEnv('repository');
  if (fromEnv && fromEnv.trim()) return fromEnv.trim();
  return configured && configured.trim() ? configured.trim() : DEFAULT_REPOSITORY;
}

export type LocationKind = 'local' | 'ssh' | 'rsyncd' | 'http';

/** Which backend a location string names; the rule for remotes is rsync's own (a ':' before any '/'). */
export function locationKind(location: string): LocationKind {
  if (/^https?:\/\//i.test(location)) return 'http';
  if (/^rsync:\/\//i.test(location)) return 'rsyncd';
  if (/^[^/]*:/.test(location)) return 'ssh';
  return 'local';
}

export function openRepository(location: string, workspaceRoot: string): Repository {
  const kind = locationKind(location);
  let make: (name: ChannelName) => ChannelBackend;
  let printable: string;
  if (kind === 'local') {
    const root = path.resolve(workspaceRoot, location);
    printable = root;
    make = (name) => new LocalChannel(path.join(root, name));
  } else if (kind === 'http') {
    const { url, headers, printable: p } = splitHttpCredentials(location);
    printable = p;
    make = (name) => new HttpChannel(`${url.replace(/\/+$/, '')}/${name}`, headers, `${p.replace(/\/+$/, '')}/${name}`);
  } else {
    printable = location;
    make = (name) => new RsyncChannel(remoteJoin(location, name), kind);
  }
  const channels = new Map<ChannelName, ChannelBackend>();
  return {
    location: printable,
    channel(name: ChannelName): ChannelBackend {
      if (!CHANNEL_NAMES.includes(name)) throw new Error(`unknown channel ${JSON.stringify(name)} (expected ${CHANNEL_NAMES.join(', ')})`);
      let ch = channels.get(name);
      if (!ch) channels.set(name, (ch = make(name)));
      return ch;
    },
  };
}
