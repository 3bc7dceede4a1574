/**
 * The main job end to end on the embedded default: version -> build -> publish
 * every plugin of plugins/ to the local repository dist/repository/testing,
 * verify the channel, then serve dist/repository on 127.0.0.1 and let the real
 * provd (../shared/provd/consumer.py) install, load and configure every plugin
 * of testing over HTTP.
 *   npm run demo             run once and exit
 *   npm run demo -- --serve  keep serving the repository afterwards
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serveFolder } from '../packages/provd-nx/test/http';
import { provdConsumerPath, runProvdConsumer } from '../packages/provd-nx/test/provd-consumer';

const root = join(__dirname, '..');
const nx = join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

function step(title: string, args: string[]): void {
  console.log(`\n== ${title}: nx ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [nx, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, NX_TUI: 'false' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function main() {
  try {
    provdConsumerPath(); // fail before building when the real provd client is missing
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    process.exitCode = 1;
    return;
  }
  step('version, build and publish every plugin to the testing channel', ['run-many', '-t', 'publish', '--outputStyle=static']);
  step('verify the testing channel', ['run', 'provd-repository:verify']);
  const server = await serveFolder(join(root, 'dist', 'repository'));
  try {
    console.log(`\n== install, load and configure every plugin of ${server.url}/testing/ with the real provd`);
    const r = await runProvdConsumer(`${server.url}/testing/`);
    if (r.code !== 0) {
      process.stdout.write(r.stdout + r.stderr);
      process.exitCode = 1;
      return;
    }
    console.log(r.lastLine);
    if (process.argv.includes('--serve')) {
      console.log(`\nServing ${join(root, 'dist', 'repository')} at ${server.url}/ (testing/, stable/, archive/); Ctrl-C to stop.`);
      await new Promise(() => undefined);
    }
  } finally {
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
