import { promises as fsp } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

/**
 * Repositories at `user@host:/path` without an ssh server: for the enclosing suite, RSYNC_RSH
 * is a script that drops the login and host rsync passes it and runs the rest here
 * (`$RSYNC_RSH [-l user] host rsync --server ...`).
 */
export function useSshShim(tmp: (name: string) => string): void {
  let saved: string | undefined;
  beforeAll(async () => {
    const shim = tmp('fake-ssh');
    await fsp.writeFile(shim, '#!/bin/sh\nwhile [ "$1" = "-l" ]; do shift 2; done\nshift\nexec sh -c "$*"\n', { mode: 0o755 });
    saved = process.env.RSYNC_RSH;
    process.env.RSYNC_RSH = shim;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RSYNC_RSH;
    else process.env.RSYNC_RSH = saved;
  });
}
