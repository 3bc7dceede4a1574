/**
 * Inputs a maintainer or an attacker can write: each gets a clear answer naming
 * what is wrong, and nothing is written where it should not be.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_FILE } from '../src/format/plugins-db';
import { publishPackage } from '../src/channel/publish';
import { verifyArchive, verifyChannel } from '../src/channel/verify';
import { createPackage } from '../src/package/create';
import { packageFileName } from '../src/format/package-name';
import { readPackage } from '../src/package/read';
import { analyzeFamily } from '../src/recipe/family';
import { buildModel } from '../src/build/build';
import { familyModel } from '../src/build/model';
import { recordFamilies } from '../src/recipe/recipe';
import { RepositoryMissingError } from '../src/repository/backend';
import { openRepository } from '../src/repository/open';
import { parseRsyncArgv } from '../src/rsync/argv';
import { runRsyncCopy } from '../src/rsync/receiver';
import { changedFiles } from '../src/version/git';

let root: string;
const tmp = (...parts: string[]) => path.join(root, ...parts);
beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'provd-hardening-'));
});
afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function write(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const INFO = '{"version": "1.0.0", "description": "x", "capabilities": {}}\n';

function family(dir: string, buildPy: string, models: string[] = ['m']): string {
  write(path.join(dir, 'build.py'), buildPy);
  for (const m of models) write(path.join(dir, m, 'plugin-info'), INFO);
  return dir;
}

async function packageOf(id: string, files: Record<string, string> = {}): Promise<string> {
  const dir = tmp('pkgsrc', id, id);
  write(path.join(dir, 'plugin-info'), INFO);
  for (const [name, text] of Object.entries(files)) write(path.join(dir, name), text);
  const file = tmp('pkgs', packageFileName(id, '1.0.0'));
  await createPackage(dir, id, file);
  return file;
}

describe('git file lists', () => {
  it('finds changed files whose names git would quote (non-ASCII, tab, quote, newline)', () => {
    const repo = tmp('git-names');
    fs.mkdirSync(repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'base');
    const base = git('rev-parse', 'HEAD').trim();
    const names = ['m/café.tpl', 'm/a\tb.tpl', 'm/say "hi".tpl', 'm/two\nlines.tpl'];
    names.slice(0, 2).forEach((n) => write(path.join(repo, n), 'tracked'));
    git('add', '-A');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'tracked');
    names.slice(2).forEach((n) => write(path.join(repo, n), 'untracked'));
    expect(changedFiles(repo, base, ['m'])).toEqual([...names].sort());
  });
});

describe('plugin ids', () => {
  const bad = ['../evil', 'xivo/evil', 'x/../../../../../outside', '..', 'xivo evil', '-rf', 'a'.repeat(129)];

  it('are refused at inference, naming build.py and its line, before any folder is made', async () => {
    const dirs = bad.map((id, i) =>
      family(tmp('ids', `f${i}`), `\n\n@target('m', ${JSON.stringify(id)})\ndef build_m(path):\n    check_call(['rsync', '-r', 'm/', path])\n`)
    );
    const recorded = await recordFamilies(dirs.map((d) => fs.realpathSync(d)));
    expect(fs.existsSync(tmp('outside'))).toBe(false);
    // the scratch folder's x/../../../../../outside resolves to /outside
    expect(fs.existsSync('/outside')).toBe(false);
    dirs.forEach((dir, i) => {
      const reply = recorded[fs.realpathSync(dir)];
      expect(() => analyzeFamily(root, path.relative(root, dir), reply)).toThrow(
        new RegExp(`build\\.py: .*plugin id ${escape(JSON.stringify(bad[i]))} .*not allowed.*\\(build\\.py line 3\\)`)
      );
    });
  });

  it('are refused by package names, so by every backend and build', () => {
    for (const id of bad) expect(() => packageFileName(id, '1.0')).toThrow(/plugin id .* (not allowed|characters long)/);
    expect(packageFileName('xivo-cisco-spa7.5.5+b_1', '0.2')).toBe('xivo-cisco-spa7.5.5+b_1-0.2.tar.bz2');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('recipes that end the process', () => {
  it.each([
    ['sys.exit(0) while loading', `import sys\nsys.exit(0)\n`, /sys\.exit\(0\)/],
    ['os._exit(0) while loading', `import os\nos._exit(0)\n`, /os\._exit\(0\)/],
    ['sys.exit(3) in a target', `import sys\n@target('m', 'x-m')\ndef b(path):\n    sys.exit(3)\n`, /sys\.exit\(3\)/],
  ])('%s: reported for the family file, with a reply', async (_what, buildPy, pattern) => {
    const dir = family(tmp('exit', String(Math.random()).slice(2)), buildPy);
    const recorded = await recordFamilies([fs.realpathSync(dir)]);
    expect(() => analyzeFamily(root, path.relative(root, dir), recorded[fs.realpathSync(dir)])).toThrow(pattern);
    expect(() => analyzeFamily(root, path.relative(root, dir), recorded[fs.realpathSync(dir)])).toThrow(/build\.py: /);
  });
});

describe('file names', () => {
  it('copies and packages a 255-byte file name, as rsync does', async () => {
    const long = 'é'.repeat(120) + 'x'.repeat(15); // 255 bytes
    expect(Buffer.byteLength(long)).toBe(255);
    const src = tmp('long', 'src');
    write(path.join(src, 'm', long), 'data');
    const out = tmp('long', 'out');
    await runRsyncCopy(parseRsyncArgv(['rsync', '-rlp', 'm/', out + '/'])!, src);
    expect(fs.readFileSync(path.join(out, long), 'utf8')).toBe('data');
    const file = await packageOf('long-name', { [long]: 'data' });
    const members = (await readPackage(file)).members.map((m) => m.name);
    expect(members).toContain(`long-name/${long}`);
  });

  it('names a file whose name is not valid UTF-8 and says why', async () => {
    const src = tmp('latin1', 'src');
    fs.mkdirSync(path.join(src, 'm'), { recursive: true });
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(src, 'm') + '/'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('.tpl')]), 'x');
    const out = tmp('latin1', 'out');
    await expect(runRsyncCopy(parseRsyncArgv(['rsync', '-rlp', 'm/', out + '/'])!, src)).rejects.toThrow(
      /m\/caf.\.tpl: the file name is not valid UTF-8/
    );
  });
});

describe('repositories', () => {
  it('are created only when asked or for the default dist/repository', async () => {
    const file = await packageOf('xivo-typo');
    const req = { pluginId: 'xivo-typo', version: '1.0.0', packageFile: file, pluginInfoText: INFO };
    const typo = tmp('repos', 'no-such-parent', 'repo');
    const repo = openRepository(typo, root);
    await expect(publishPackage(repo.channel('testing'), req, { archive: repo.channel('archive') })).rejects.toThrow(RepositoryMissingError);
    await expect(publishPackage(repo.channel('testing'), req)).rejects.toThrow(new RegExp(`${escape(typo)} does not exist.*--create-repository`));
    expect(fs.existsSync(typo)).toBe(false);

    const asked = openRepository(typo, root, { create: true });
    expect((await publishPackage(asked.channel('testing'), req)).status).toBe('published');

    const ws = tmp('repos', 'workspace');
    fs.mkdirSync(ws, { recursive: true });
    const dflt = openRepository('dist/repository', ws);
    expect((await publishPackage(dflt.channel('testing'), req)).status).toBe('published');
    expect(fs.existsSync(path.join(ws, 'dist/repository/testing', INDEX_FILE))).toBe(true);
  });

  it('verify says a channel holds nothing, and checks the archive without an index', async () => {
    const repo = openRepository(tmp('repos', 'empty'), root, { create: true });
    expect(await verifyChannel(repo.channel('stable'))).toEqual([
      { file: INDEX_FILE, problem: expect.stringMatching(/plugins\.db is missing: nothing has been published to .*stable/) },
    ]);
    expect(await verifyArchive(repo.channel('archive'))).toEqual([]);
    const archiveDir = tmp('repos', 'empty', 'archive');
    fs.mkdirSync(archiveDir, { recursive: true });
    fs.copyFileSync(await packageOf('xivo-old'), path.join(archiveDir, 'xivo-old-1.0.0.tar.bz2'));
    expect(await verifyArchive(repo.channel('archive'))).toEqual([]);
    fs.writeFileSync(path.join(archiveDir, 'xivo-bad-1.0.tar.bz2'), 'not bzip2');
    expect(await verifyArchive(repo.channel('archive'))).toEqual([
      { pluginId: 'xivo-bad', file: 'xivo-bad-1.0.tar.bz2', problem: expect.stringMatching(/not a readable \.tar\.bz2 package/) },
    ]);
  });
});

describe('timeouts and unreachable servers', () => {
  let silent: net.Server;
  let port: number;
  const sockets: net.Socket[] = [];
  const saved = process.env.PROVD_TIMEOUT;
  beforeAll(async () => {
    // accepts every connection and never says a word
    silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as net.AddressInfo).port;
    process.env.PROVD_TIMEOUT = '2';
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.PROVD_TIMEOUT;
    else process.env.PROVD_TIMEOUT = saved;
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  });

  it('HTTP: a silent server times out naming the host', async () => {
    const ch = openRepository(`http://127.0.0.1:${port}/plugins/2`, root).channel('testing');
    await expect(ch.readText(INDEX_FILE)).rejects.toThrow(new RegExp(`timed out after 2 s waiting for an answer from 127\\.0\\.0\\.1:${port}.*PROVD_TIMEOUT`));
  });

  it('HTTP: a refused connection names the URL and the cause', async () => {
    const ch = openRepository('http://127.0.0.1:1/', root).channel('testing');
    await expect(ch.readText(INDEX_FILE)).rejects.toThrow(/^GET http:\/\/127\.0\.0\.1:1\/testing\/plugins\.db: bad port/);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = openRepository(`http://127.0.0.1:${free}/`, root).channel('testing');
    await expect(refused.readText(INDEX_FILE)).rejects.toThrow(new RegExp(`^GET http://127\\.0\\.0\\.1:${free}/testing/plugins\\.db: connect ECONNREFUSED`));
  });

  it('rsync://: a silent daemon times out naming the host', async () => {
    const ch = openRepository(`rsync://127.0.0.1:${port}/provd`, root).channel('testing');
    await expect(ch.readText(INDEX_FILE)).rejects.toThrow(new RegExp(`timed out: .*127\\.0\\.0\\.1:${port}.* 2 s`));
  });

  it('ssh: a silent server times out naming the host', async () => {
    const saved = process.env.RSYNC_RSH;
    process.env.RSYNC_RSH = `ssh -p ${port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes`;
    try {
      const ch = openRepository('deploy@127.0.0.1:/srv/provd', root).channel('testing');
      await expect(ch.readText(INDEX_FILE)).rejects.toThrow(/timed out: could not connect to deploy@127\.0\.0\.1 within 2 s/);
    } finally {
      if (saved === undefined) delete process.env.RSYNC_RSH;
      else process.env.RSYNC_RSH = saved;
    }
  });
});


describe('failed builds leave nothing behind', () => {
  it('a refused symlink in a recipe run by python3 names the source file and leaves no dist/plugins folder', async () => {
    const ws = tmp('leftovers');
    const fam = family(
      path.join(ws, 'plugins', 'fam'),
      `import os\nfrom subprocess import check_call\n\n@target('m', 'fam-m')\ndef build_m(path):\n    check_call(['rsync', '-a', 'm/', path])\n    with open(os.path.join(path, 'generated.txt'), 'w') as f:\n        f.write('x')\n`
    );
    fs.mkdirSync(path.join(fam, 'common'), { recursive: true });
    fs.writeFileSync(path.join(fam, 'common', 'x'), 'x');
    fs.symlinkSync('../../common/x', path.join(fam, 'm', 'escape'));
    const recorded = await recordFamilies([fs.realpathSync(fam)]);
    const recipe = analyzeFamily(ws, 'plugins/fam', recorded[fs.realpathSync(fam)]);
    expect(recipe.models[0].replay).toBe('python');
    await expect(buildModel(ws, familyModel(recipe, recipe.models[0], '1.0.0'), 'dist')).rejects.toThrow(
      /plugins\/fam\/m\/escape: symlink target "\.\.\/\.\.\/common\/x" resolves outside the plugin folder/
    );
    expect(fs.existsSync(path.join(ws, 'dist', 'plugins', 'fam-m'))).toBe(false);
    expect(fs.readdirSync(path.join(ws, 'dist', 'plugins'))).toEqual([]);
    expect(fs.readdirSync(path.join(ws, 'dist', 'packages'))).toEqual([]);
  });
});

describe('packages verify refuses', () => {
  it('a plugin-info that is a symlink; a symlink loop is packaged as links', async () => {
    const dir = tmp('info-link', 'xivo-link');
    write(path.join(dir, 'real-info'), INFO);
    fs.symlinkSync('real-info', path.join(dir, 'plugin-info'));
    const file = tmp('info-link', packageFileName('xivo-link', '1.0.0'));
    await createPackage(dir, 'xivo-link', file);
    const repo = openRepository(tmp('info-link', 'repo'), root, { create: true });
    const outcome = await publishPackage(repo.channel('testing'), { pluginId: 'xivo-link', version: '1.0.0', packageFile: file, pluginInfoText: INFO }).catch((e: Error) => ({ status: 'thrown', message: e.message }));
    expect(outcome).toMatchObject({ message: expect.stringMatching(/xivo-link\/plugin-info is a symlink, not a regular file/) });
    expect(outcome.status).not.toBe('published');

    const loop = tmp('loop', 'xivo-loop');
    write(path.join(loop, 'plugin-info'), INFO);
    fs.symlinkSync('b', path.join(loop, 'a'));
    fs.symlinkSync('a', path.join(loop, 'b'));
    // a loop stays inside the plugin and provd never follows it: packaged as links, as the reference builder does
    const looped = tmp('loop', packageFileName('xivo-loop', '1.0.0'));
    await createPackage(loop, 'xivo-loop', looped);
    const links = (await readPackage(looped)).members.filter((m) => m.type === 'symlink').map((m) => `${m.name} -> ${m.linkTarget}`);
    expect(links).toEqual(['xivo-loop/a -> b', 'xivo-loop/b -> a']);
    const published = await publishPackage(repo.channel('testing'), { pluginId: 'xivo-loop', version: '1.0.0', packageFile: looped, pluginInfoText: INFO });
    expect(published.status, published.message).toBe('published');
  });
});

/** Record, analyze and build one family's first model the way the build executor does. */
async function buildFirstModel(ws: string, familyRoot: string) {
  const dir = fs.realpathSync(path.join(ws, familyRoot));
  const recorded = await recordFamilies([dir]);
  const recipe = analyzeFamily(ws, familyRoot, recorded[dir]);
  return { model: recipe.models[0], built: buildModel(ws, familyModel(recipe, recipe.models[0], '1.0.0'), 'dist') };
}

const rsyncRecipe = (flags: string, extra = '') =>
  `import os\nfrom subprocess import check_call\n\n@target('m', 'fam-m')\ndef build_m(path):\n    check_call(['rsync', '${flags}', 'm/', path])\n${extra}`;

describe('trees the fuzz spec found (test/fuzz.spec.ts)', () => {
  it('rsync without -l skips a symlink leading out of the family, as rsync does, instead of refusing it', async () => {
    const ws = tmp('fuzz-nolinks');
    const fam = family(path.join(ws, 'plugins', 'fam'), rsyncRecipe('-rp'));
    write(path.join(ws, 'outside', 'secret.txt'), 'secret');
    fs.symlinkSync('../../../outside', path.join(fam, 'm', 'out-dir'));
    fs.symlinkSync('../../../outside/secret.txt', path.join(fam, 'm', 'out-file'));
    const { built } = await buildFirstModel(ws, 'plugins/fam');
    const names = (await readPackage((await built).packageFile)).members.map((m) => m.name);
    expect(names).toContain('fam-m/plugin-info');
    expect(names.filter((n) => n.includes('out-'))).toEqual([]);
  });

  it('a symlink through a sibling link and ".." (d/s -> ., d/l -> s/../x) is resolved as the OS does', async () => {
    // Node's realpathSync takes the '..' lexically (it looked for d/x) and the build failed with a bare ENOENT
    const ws = tmp('fuzz-dotdot');
    const fam = family(path.join(ws, 'plugins', 'fam'), rsyncRecipe('-rlp'));
    write(path.join(fam, 'm', 'x'), 'x');
    fs.mkdirSync(path.join(fam, 'm', 'd'));
    fs.symlinkSync('.', path.join(fam, 'm', 'd', 's'));
    fs.symlinkSync('s/../x', path.join(fam, 'm', 'd', 'l'));
    const { built } = await buildFirstModel(ws, 'plugins/fam');
    const links = (await readPackage((await built).packageFile)).members.filter((m) => m.type === 'symlink').map((m) => `${m.name} -> ${m.linkTarget}`);
    expect(links).toEqual(['fam-m/d/l -> s/../x', 'fam-m/d/s -> .']);
  });

  it('a recipe run by python3 refuses a copied folder that is a symlink out of the family, as the native replay does', async () => {
    const ws = tmp('fuzz-python-out');
    const fam = path.join(ws, 'plugins', 'fam');
    write(path.join(fam, 'build.py'), rsyncRecipe('-rlp', "    with open(os.path.join(path, 'made.txt'), 'w') as f:\n        f.write('x')\n"));
    write(path.join(ws, 'outside', 'model', 'plugin-info'), INFO);
    fs.symlinkSync('../../outside/model', path.join(fam, 'm'));
    const { model, built } = await buildFirstModel(ws, 'plugins/fam');
    expect(model.replay).toBe('python');
    await expect(built).rejects.toThrow(/plugins\/fam\/build\.py: 'm' leads outside the family folder/);
    expect(fs.readdirSync(path.join(ws, 'dist', 'plugins'))).toEqual([]);
  });

  it.each([
    ['native', ''],
    ['python', "    os.makedirs(os.path.join(path, 'made'))\n"],
  ])('%s: a file or an outward symlink where a standard folder goes names its source, and makes nothing outside', async (_how, extra) => {
    const ws = tmp(`fuzz-std-${_how}`);
    const fam = family(path.join(ws, 'plugins', 'fam'), rsyncRecipe('-rlp', extra));
    write(path.join(fam, 'm', 'var'), 'a file');
    await expect((await buildFirstModel(ws, 'plugins/fam')).built).rejects.toThrow(
      /build\.py: 'plugins\/fam\/m\/var' is a file, where the standard folder var\/ goes \(@target\(\.\.\., std_dirs=False\)/
    );
    fs.rmSync(path.join(fam, 'm', 'var'));
    fs.mkdirSync(path.join(ws, 'elsewhere'));
    fs.symlinkSync(path.join(ws, 'elsewhere'), path.join(fam, 'm', 'var'));
    // python3 may follow links as it copies: the link out of the family is refused before the recipe runs
    await expect((await buildFirstModel(ws, 'plugins/fam')).built).rejects.toThrow(
      _how === 'native' ? /'plugins\/fam\/m\/var' is a symlink leading outside the plugin folder/ : /'m\/var' is a symlink to \S+\/elsewhere, outside the family folder/
    );
    expect(fs.readdirSync(path.join(ws, 'elsewhere'))).toEqual([]);
    // a symlink to a folder of the plugin is followed, as os.makedirs follows it
    fs.rmSync(path.join(fam, 'm', 'var'));
    fs.mkdirSync(path.join(fam, 'm', 'state'));
    fs.symlinkSync('state', path.join(fam, 'm', 'var'));
    const names = (await readPackage((await (await buildFirstModel(ws, 'plugins/fam')).built).packageFile)).members.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['fam-m/var', 'fam-m/state/cache', 'fam-m/state/tftpboot']));
  });
});
