import type { PostTasksExecutionContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinishedBuild, syncPluginFolders } from '../build/plugin-folder';
import { PLUGIN_INFO, readPluginInfo } from '../format/plugin-info';
import { packagePath } from '../format/package-name';
import { normalizeOptions, ProvdPluginOptions } from '../runtime/options';

const DONE = new Set(['success', 'local-cache', 'local-cache-kept-existing', 'remote-cache']);

/**
 * After a run: the plugin folders of builds restored from a cache, unpacked from
 * their packages (the folder is not a cached output, see model/plugin-folder.ts).
 */
export async function restorePluginFolders(options: ProvdPluginOptions | undefined, context: PostTasksExecutionContext): Promise<void> {
  const { distDir } = normalizeOptions(options);
  const builds: FinishedBuild[] = [];
  for (const { task, status } of Object.values(context.taskResults)) {
    if (task.target.target !== 'build' || !task.projectRoot || !DONE.has(status)) continue;
    const infoFile = join(context.workspaceRoot, task.projectRoot, PLUGIN_INFO);
    if (!existsSync(infoFile)) continue; // a family's fan-out target
    const pluginId = task.target.project;
    try {
      const packageFile = packagePath(join(context.workspaceRoot, distDir), pluginId, readPluginInfo(infoFile, infoFile).version);
      if (existsSync(packageFile)) builds.push({ pluginId, packageFile });
    } catch {
      // a plugin-info that does not parse failed its build already, with the reason
    }
  }
  try {
    if (builds.length) await syncPluginFolders(join(context.workspaceRoot, distDir, 'plugins'), builds);
  } catch (e) {
    console.warn(`provd: could not unpack plugin folders into ${distDir}/plugins: ${(e as Error).message}`);
  }
}
