/**
 * A provd repository: `testing/`, `stable/` and `archive/` channels, each a folder of
 * packages plus `plugins.db`. Three backends hide where the folder lives:
 *  - a local folder (atomic temp + fsync + rename writes, an O_EXCL-style lock file);
 *  - rsync, over ssh (`user@host:path`, honours RSYNC_RSH) or to a daemon (`rsync://`);
 *  - HTTP(S): read-only (what provd itself sees), or through a provd-repo server's
 *    upload API when a token is given (http-upload.ts).
 *
 * Backends move whole files by name and know nothing about the index: the
 * publishing rules live in channel/publish.ts.
 */
import { checkPathComponent } from '../format/path-component';

export type ChannelName = 'testing' | 'stable' | 'archive';
export const CHANNEL_NAMES: readonly ChannelName[] = ['testing', 'stable', 'archive'];

export interface UploadOptions {
  /**
   * Leave an existing file alone instead of replacing it. Publishing uses this so that
   * a package some index may already reference is never overwritten; the caller reads
   * the file back to learn whose bytes are there.
   */
  ifAbsent?: boolean;
}

export interface LockOptions {
  /** Give up waiting after this long (default 60 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long is taken as abandoned (default 120 s). */
  staleMs?: number;
  /** Told when a stale lock is broken or while waiting. */
  log?: (line: string) => void;
}

export interface ChannelBackend {
  /** Printable, no credentials. */
  readonly location: string;
  /** null when absent. */
  readText(name: string): Promise<string | null>;
  /** false when absent. */
  download(name: string, localFile: string): Promise<boolean>;
  /** File names in the channel (no dirs, no dot files: temp and lock files stay hidden). */
  list(): Promise<string[]>;
  /** Atomic: readers see the old file or the whole new one. */
  upload(localFile: string, name: string, opts?: UploadOptions): Promise<void>;
  /** Atomic the same way. */
  writeText(name: string, text: string): Promise<void>;
  /** No error if absent. */
  remove(name: string): Promise<void>;
  /** Resolves to release() once this channel's index lock is ours. */
  lock(owner: string, opts?: LockOptions): Promise<() => Promise<void>>;
  /**
   * Remove what writers killed mid-write left behind, where the backend can tell: temp files,
   * and a lock whose holder is a dead process on this host.
   */
  tidy?(): Promise<void>;
  /** Backends whose server publishes itself (checks, indexes under its lock, archives) in one request. */
  publishHere?(req: PublishRequest, opts?: { allowDowngrade?: boolean }): Promise<PublishOutcome>;
  copyHere?(from: ChannelBackend, pluginId: string, opts?: { allowDowngrade?: boolean }): Promise<PublishOutcome>;
}

/** A package to publish: what channel/publish.ts checks and indexes, and an upload server receives. */
export interface PublishRequest {
  pluginId: string;
  version: string;
  packageFile: string;
  pluginInfoText: string;
}

export type PublishOutcome = {
  status: 'published' | 'already-published' | 'refused';
  pluginId: string;
  version: string;
  /** The version the channel held before (set when published over it, or refused by it). */
  previous?: string;
  message: string;
  /** Set on a dry run: `status` says what would have happened. */
  dryRun?: true;
};

export interface Repository {
  location: string;
  channel(name: ChannelName): ChannelBackend;
}

/** rsync expands wildcards in remote source paths and reads a leading '-' as an option. */
export function checkRemoteName(name: string): string {
  checkPathComponent('channel file name', name);
  if (!/^[A-Za-z0-9._+~-]+$/.test(name) || name.startsWith('-')) {
    throw new Error(`channel file name ${JSON.stringify(name)} is not safe to pass to rsync`);
  }
  return name;
}

export function remoteJoin(base: string, name: string): string {
  if (/:$/.test(base)) return `${base}${name}`; // `host:` is the remote home: keep it relative
  return `${base.replace(/\/+$/, '')}/${name}`;
}

/** A write to a repository that does not exist: a typo must not create a new, partial repository. */
export class RepositoryMissingError extends Error {
  constructor(location: string) {
    super(
      `the repository ${location} does not exist: check PROVD_REPOSITORY or the repository option; ` +
        'to start a new repository there, pass --create-repository (or run nx run provd-repository:init-repository)',
    );
    this.name = 'RepositoryMissingError';
  }
}

export interface ChannelOptions {
  /** create the repository folder (the channel's parent) when it does not exist */
  createRepository?: boolean;
}
