/**
 * The main job end to end on the embedded default: start the provd-repo server on
 * 127.0.0.1 (ephemeral port, a one-off write token) over dist/repository, then
 * version -> build -> publish every plugin of plugins/ THROUGH the server, verify the
 * testing channel over HTTP, and let the real provd (../shared/provd/consumer.py)
 * install, load and configure every plugin from the URL it prints; then test every model
 * (its pytest tests, its package in the real provd, snapshots) and promote the tested bytes
 * to stable, printing the test table.
 *   npm run demo             run once and exit
 *   npm run demo -- --serve  keep the server running afterwards (Ctrl-C stops it)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { provdConsumerPath, runProvdConsumer, sharedFile } from '../packages/provd-nx/test/provd-consumer';
import { checkProvdPython } from '../packages/provd-nx/src/smoke/provd-python';
import { createServer } from '../packages/provd-repo/src/server';
import { createChannels, STANDARD_CHANNELS } from '../packages/provd-repo/src/channels';
import { parseTokens } from '../packages/provd-repo/src/tokens';
import { TOKEN_ENV } from '../packages/provd-repo/src/domain';

const root = join(__dirname, '..');
const nx = join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const repository = join(root, 'dist', 'repository');
const PREFIX = '/plugins/2';

/** Asynchronously: the server answering nx's uploads runs in this very process. */
function step(title: string, args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n== ${title}: nx ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nx, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, NX_TUI: 'false', ...env } });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nx ${args.join(' ')} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  provdConsumerPath(); // fail before building when the real provd client is missing
  // the test target's provd: PROVD_PYTHONPATH, else the client's pythonpath/ beside the repository
  process.env.PROVD_PYTHONPATH ||= sharedFile('provd', 'pythonpath') ?? '';
  const provd = checkProvdPython(process.env.PROVD_PYTHONPATH || undefined);
  if (!provd.ok) throw new Error(provd.message);
  await mkdir(repository, { recursive: true });
  // the channels a new repository starts with (the server creates none on a write)
  await createChannels(repository, STANDARD_CHANNELS);
  // a one-off token, good for this run only, never written anywhere
  const token = randomBytes(24).toString('hex');
  const app = await createServer({
    root: repository,
    prefixes: [PREFIX],
    tokens: parseTokens(`${token} *`, 'demo token'),
    // the uploads show; provd's downloads would drown the rest
    log: (line) => !/^\S+ (GET|HEAD) /.test(line) && console.log(line),
  });
  const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}${PREFIX}`;
  console.log(`provd-repo: serving ${repository} at ${base}/<channel>/`);
  try {
    const env = { PROVD_REPOSITORY: base, [TOKEN_ENV]: token };
    await step(`version, build and publish every plugin to ${base}/testing/`, ['run-many', '-t', 'publish', '--outputStyle=static'], env);
    await step('verify the testing channel over HTTP', ['run', 'provd-repository:verify', '--outputStyle=static'], { PROVD_REPOSITORY: base });
    console.log(`\n== install, load and configure every plugin of ${base}/testing/ with the real provd`);
    const r = await runProvdConsumer(`${base}/testing/`);
    if (r.code !== 0) {
      process.stdout.write(r.stdout + r.stderr);
      throw new Error('the real provd failed on the testing channel');
    }
    console.log(r.lastLine);
    // the table of what was tested is printed at the end of this step
    await step('test every model: its pytest tests, its package in the real provd, its snapshots', ['run-many', '-t', 'test', '--outputStyle=static'], {});
    await step('promote the tested bytes of every family to stable', ['run-many', '-t', 'promote', '--projects=tag:type:family', '--outputStyle=static'], env);
    console.log(`\nGive provd this URL: ${base}/testing/  (a browser shows the channel there, and every channel at ${base}/)`);
    if (process.argv.includes('--serve')) {
      console.log(`Serving ${repository} (testing/, stable/, archive/); Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await app.close();
  }
}

main().catch((e) => {
  console.error(`demo: ${(e as Error).message}`);
  process.exit(1);
});
