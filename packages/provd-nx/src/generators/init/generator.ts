import { logger, readNxJson, Tree, updateNxJson, writeJson } from '@nx/devkit';
import { PLUGIN_NAME } from '../../runtime/names';
import { releaseGroup } from './release-group';
import { installHint, missingTools } from './required-tools';
import { testToolsProblem } from './test-tools';
import type { InitGeneratorSchema } from './schema';

/** Lines a collection must not commit: installed packages, build output and Nx's own caches. */
export const IGNORED = ['node_modules/', 'dist/', '.nx/cache', '.nx/workspace-data'];

/** What `nx add @provd/nx` runs. Idempotent: a second run changes nothing. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema) {
  const nxJson = readNxJson(tree) ?? {};
  let changed = false;
  nxJson.plugins ??= [];
  if (!nxJson.plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME)) {
    nxJson.plugins.push({
      plugin: PLUGIN_NAME,
      options: {
        pluginsDir: options.pluginsDir ?? 'plugins',
        distDir: options.distDir ?? 'dist',
        repository: options.repository ?? 'dist/repository',
        ...(options.provdPythonPath ? { provdPythonPath: options.provdPythonPath } : {}),
      },
    });
    changed = true;
  }
  // an existing release configuration is the maintainer's: never merged into
  if (!options.skipRelease && !nxJson.release) {
    nxJson.release = releaseGroup();
    changed = true;
  }
  // a collection that only ran npm init has no nx.json yet; updateNxJson writes only existing ones
  if (!tree.exists('nx.json')) writeJson(tree, 'nx.json', { $schema: './node_modules/nx/schemas/nx-schema.json', ...nxJson });
  else if (changed) updateNxJson(tree, nxJson);
  ignore(tree, IGNORED);

  if (!options.skipToolCheck) {
    const missing = missingTools();
    if (missing.length) logger.warn(installHint(missing));
    // the test target's provd and pytest: a warning, the rest of the plugin works without them
    const provd = testToolsProblem(tree.root, options.provdPythonPath);
    if (provd) logger.warn(provd);
  }
}

function ignore(tree: Tree, entries: string[]): void {
  const text = tree.read('.gitignore', 'utf-8') ?? '';
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim().replace(/^\//, '')));
  // "dist" covers "dist/", ".nx" covers both cache folders
  const covered = (e: string) => present.has(e) || present.has(e.replace(/\/$/, '')) || (e.startsWith('.nx/') && (present.has('.nx') || present.has('.nx/')));
  const add = entries.filter((e) => !covered(e));
  if (!add.length) return;
  const prefix = text === '' || text.endsWith('\n') ? text : text + '\n';
  tree.write('.gitignore', `${prefix}${text ? '\n' : ''}# @provd/nx: installed packages, build output and Nx caches\n${add.join('\n')}\n`);
}

export default initGenerator;
