/**
 * `nx release version` without a specifier: the bump of each model is decided by what was
 * released (see release-state.ts), not asked for. Nx's release-group processor prompts
 * unless a bump comes from conventional commits or version plans, and a VersionActions
 * cannot answer the prompt; so each model that needs a bump contributes an in-memory
 * version plan (`patch` for its id) to its release group, just before Nx processes it.
 * No file is written: Nx deletes only version plan files it read from disk, and only on request.
 */
import { readNxJson, type ProjectGraphProjectNode, type Tree } from '@nx/devkit';
import { posix, relative } from 'node:path';
import { withTempDir } from '../fs/temp-dir';
import { buildModel } from '../build/build';
import type { Model, ProvdMetadata } from '../build/model';
import { pluginOptionsOf } from '../runtime/options';
import { parsePluginInfo, PLUGIN_INFO } from '../format/plugin-info';
import { digestCacheDir } from '../channel/release-state';
import { openRepository, repositoryLocation } from '../repository/open';
import { decideVersion, gitDecision, versionBase } from '../version/decide';

interface PlannedGroup {
  versionPlans?: unknown;
  resolvedVersionPlans?: unknown[] | false;
}

/** Adds a `patch` version plan for the model when its current sources differ from its released package. */
export async function planReleasedBump(group: PlannedGroup, node: ProjectGraphProjectNode, tree: Tree, log: (line: string) => void): Promise<void> {
  const meta = node.data.metadata?.provd as ProvdMetadata | undefined;
  if (meta?.kind !== 'model') return;
  const reason = await bumpReason(meta, tree);
  // version plans on for the group, with the ones Nx read from disk kept
  if (!group.versionPlans) group.versionPlans = true;
  if (!Array.isArray(group.resolvedVersionPlans)) group.resolvedVersionPlans = [];
  if (!reason) return;
  log(`${meta.pluginId}: ${reason}`);
  group.resolvedVersionPlans.push({
    absolutePath: '',
    relativePath: `(provd: ${meta.pluginId} ${reason})`,
    fileName: `provd-${meta.pluginId}`,
    createdOnMs: Date.now(),
    message: reason,
    commit: null,
    projectVersionBumps: { [meta.pluginId]: 'patch' },
  });
}

/** Why the model needs a bump, or null. */
async function bumpReason(model: Model, tree: Tree): Promise<string | null> {
  const root = tree.root;
  const nxJson = readNxJson(tree);
  const options = pluginOptionsOf(nxJson);
  const infoFile = posix.join(model.familyRoot, model.folder, PLUGIN_INFO);
  const version = parsePluginInfo(tree.read(infoFile, 'utf-8') ?? '', infoFile).version;
  const base = versionBase(undefined, nxJson?.defaultBase);
  // the package of the current sources, built aside (nothing in dist/ moves)
  return withTempDir('provd-release-', async (scratch) => {
    try {
      const built = await buildModel(root, model, relative(root, scratch), []);
      // digests are read from dist/'s cache but written aside: `nx release version --dry-run` writes nothing,
      // and the version hook cannot tell a dry run from a real one
      const decision = await decideVersion({
        root,
        model,
        current: version,
        builtPackage: built.packageFile,
        channelName: 'testing',
        channel: () => openRepository(repositoryLocation(options.repository), root).channel('testing'),
        digests: [digestCacheDir(root, relative(root, scratch)), digestCacheDir(root, options.distDir)],
        base,
        bump: 'patch',
      });
      return decision.bump ? decision.why : null;
    } catch (e) {
      // the current sources do not build here: the git-base rule alone
      const decision = gitDecision(root, model, base, 'patch', 'not built', (e as Error).message.split('\n')[0]);
      return decision.bump ? decision.why : null;
    }
  });
}
