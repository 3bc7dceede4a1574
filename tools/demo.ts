/**
 * The main job end to end on the embedded default: version -> build -> publish
 * every plugin of plugins/ to the local repository dist/repository/testing,
 * verify the channel, then serve dist/repository on 127.0.0.1 and install
 * every plugin from it the way provd does (HTTP, plugins.db, SHA-1, tarfile).
 *   npm run demo             run once and exit
 *   npm run demo -- --serve  keep serving the repository afterwards
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveFolder } from '../packages/provd-nx/test/http';

const root = join(__dirname, '..');
const nx = join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

function step(title: string, args: string[]): void {
  console.log(`\n== ${title}: nx ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [nx, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, NX_TUI: 'false' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function main() {
  step('version, build and publish every plugin to the testing channel', ['run-many', '-t', 'publish', '--outputStyle=static']);
  step('verify the testing channel', ['run', 'provd-repository:verify']);
  const server = await serveFolder(join(root, 'dist', 'repository'));
  const dest = mkdtempSync(join(tmpdir(), 'provd-demo-'));
  try {
    console.log(`\n== install from ${server.url}/testing as provd does`);
    const installed = await new Promise<string>((resolve, reject) =>
      execFile('python3', [join(root, 'packages/provd-nx/test/provd_install.py'), `${server.url}/testing`, dest], (e, out) => (e ? reject(e) : resolve(out)))
    );
    for (const [id, version] of Object.entries(JSON.parse(installed))) console.log(`  installed ${id} ${version}`);
    if (process.argv.includes('--serve')) {
      console.log(`\nServing ${join(root, 'dist', 'repository')} at ${server.url}/ (testing/, stable/, archive/); Ctrl-C to stop.`);
      await new Promise(() => undefined);
    }
  } finally {
    rmSync(dest, { recursive: true, force: true });
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
