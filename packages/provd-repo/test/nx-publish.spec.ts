/**
 * The real `nx run-many -t publish` of a temporary workspace, with PROVD_REPOSITORY pointing at a
 * provd-repo server (its CLI, in its own process: nx runs synchronously here) and a token.
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../../provd-nx/test/workspace';
import { startCliServer, type CliServer } from './cli-server';
import { tempDir, TESTING_ONLY } from './fixture';

describe('nx publish through the server', () => {
  let root: string;
  let server: CliServer;
  let base: string;
  let ws: TestWorkspace;
  beforeAll(async () => {
    root = await tempDir();
    server = await startCliServer(root, `${TESTING_ONLY} testing`);
    base = server.base;
    ws = createWorkspace({ families: ['xivo-snom'] });
  });
  afterAll(async () => {
    ws?.dispose();
    await server?.close();
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('publishes every model with one request each; the server indexes them and verify reads them back clean', async () => {
    const env = { PROVD_REPOSITORY: base, PROVD_REPOSITORY_TOKEN: TESTING_ONLY };
    const r = ws.nxOk(['run-many', '-t', 'publish', '--outputStyle=static'], env);
    // nx ran synchronously: let the server's log lines, already in the pipe, arrive
    // the version tasks read testing (GETs: which released package each version holds); writes are one PUT per model
    const writeLines = () => server.output().split('\n').filter((l) => /^127\.0\.0\.1 [A-Z]+ /.test(l) && !/^127\.0\.0\.1 (GET|HEAD) /.test(l));
    for (let i = 0; i < 100 && writeLines().length < 7; i++) await new Promise((r) => setTimeout(r, 50));
    expect(writeLines().map((l) => l.split(' ')[1])).toEqual(Array(7).fill('PUT'));
    expect(r.output).toMatch(/xivo-snom-8\.7\.3 1\.2\.0: published: published xivo-snom-8\.7\.3 1\.2\.0 to testing/);
    const index = JSON.parse(await fsp.readFile(path.join(root, 'testing', 'plugins.db'), 'utf8')) as Record<string, any>;
    expect(Object.keys(index)).toHaveLength(7);
    for (const [id, e] of Object.entries(index)) {
      // what the workspace built is what the server serves
      const local = await fsp.readFile(ws.path('dist', 'packages', e.filename));
      const served = Buffer.from(await (await fetch(`${base}/testing/${e.filename}`)).arrayBuffer());
      const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
      expect(sha1(served), id).toBe(sha1(local));
      expect(e.sha1sum, id).toBe(sha1(local));
    }
    expect(ws.nxOk(['run', 'provd-repository:verify', '--outputStyle=static'], env).output).toMatch(/\/plugins\/2\/testing: clean/);
  });

  it('a wrong token fails the publish with the server reason and changes nothing', async () => {
    const before = await fsp.readFile(path.join(root, 'testing', 'plugins.db'));
    const r = ws.nx(['run', 'xivo-snom-8.7.3:publish', '--outputStyle=static'], { PROVD_REPOSITORY: base, PROVD_REPOSITORY_TOKEN: 'wrong-token-0123456789abc' });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/HTTP 401: a valid bearer token is required/);
    expect((await fsp.readFile(path.join(root, 'testing', 'plugins.db'))).equals(before)).toBe(true);
  });
});
