/** Opening a repository from its configured location: a folder, an rsync remote or a URL. */
import * as path from 'node:path';
import { RsyncChannel } from './rsync';
import { LocalChannel } from './local';
import { splitHttpCredentials, HttpChannel } from './http';
import { HttpUploadChannel } from './http-upload';
import { Repository, ChannelName, ChannelBackend, remoteJoin, CHANNEL_NAMES } from './backend';
import { provdEnv } from '../runtime/env';
import { DEFAULT_REPOSITORY, locationKind } from './location';

// what the plugin needs of a location without loading every backend (repository/location.ts)
export { DEFAULT_REPOSITORY, locationKind, repositoryLocation } from './location';
export type { LocationKind } from './location';

export interface OpenOptions {
  /** create the repository when it does not exist (it always may be for the workspace's default dist/repository) */
  create?: boolean;
}

export function openRepository(location: string, workspaceRoot: string, opts: OpenOptions = {}): Repository {
  const kind = locationKind(location);
  let make: (name: ChannelName) => ChannelBackend;
  let printable: string;
  if (kind === 'local') {
    const root = path.resolve(workspaceRoot, location);
    printable = root;
    const createRepository = opts.create === true || root === path.resolve(workspaceRoot, DEFAULT_REPOSITORY);
    make = (name) => new LocalChannel(path.join(root, name), { createRepository });
  } else if (kind === 'http') {
    const { url, headers, printable: p } = splitHttpCredentials(location);
    printable = p;
    const base = url.replace(/\/+$/, '');
    const shown = p.replace(/\/+$/, '');
    // with a token, a provd-repo server takes uploads; without, HTTP is what provd reads
    const token = provdEnv('repositoryToken')?.trim();
    make = token
      ? (name) => new HttpUploadChannel(base, name, token, `${shown}/${name}`, headers)
      : (name) => new HttpChannel(`${base}/${name}`, headers, `${shown}/${name}`);
  } else {
    printable = location;
    make = (name) => new RsyncChannel(remoteJoin(location, name), kind, { createRepository: opts.create === true });
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
