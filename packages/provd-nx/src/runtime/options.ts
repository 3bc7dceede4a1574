import { PLUGIN_NAME } from './names';

/** Options of the @provd/nx plugin entry in nx.json. */
export interface ProvdPluginOptions {
  /** folder holding the plugin families, relative to the workspace root */
  pluginsDir?: string;
  /** where plugin folders and packages are built, relative to the workspace root */
  distDir?: string;
  /**
   * The provd repository: a folder or URL with testing/, stable/ and archive/ channels.
   * PROVD_REPOSITORY overrides it.
   */
  repository?: string;
  /**
   * A folder holding wazo_provd and its Python dependencies, for the test target
   * (relative to the workspace root). PROVD_PYTHONPATH overrides it.
   */
  provdPythonPath?: string;
  /** Bounds on reading any package (package/limits.ts): decompressed bytes (default 512 MiB). */
  maxUnpackedBytes?: number;
  /** ... members (default 20000). */
  maxMembers?: number;
  /** ... bytes of plugin-info (default 1 MiB). */
  maxPluginInfoBytes?: number;
}

export interface NormalizedOptions {
  pluginsDir: string;
  distDir: string;
  repository: string;
  packageLimits: { maxUnpackedBytes?: number; maxMembers?: number; maxPluginInfoBytes?: number };
  provdPythonPath?: string;
}

export function normalizeOptions(options: ProvdPluginOptions | undefined): NormalizedOptions {
  return {
    pluginsDir: trimSlashes(options?.pluginsDir ?? 'plugins'),
    distDir: trimSlashes(options?.distDir ?? 'dist'),
    repository: options?.repository ?? 'dist/repository',
    packageLimits: { maxUnpackedBytes: options?.maxUnpackedBytes, maxMembers: options?.maxMembers, maxPluginInfoBytes: options?.maxPluginInfoBytes },
    ...(options?.provdPythonPath ? { provdPythonPath: options.provdPythonPath } : {}),
  };
}

function trimSlashes(p: string): string {
  return p.replace(/^\.\/+/, '').replace(/\/+$/, '');
}

/**
 * Our entry's options among nx.json's plugins, defaults filled in: the one reader for
 * executors (context.nxJsonConfiguration), generators and nx release (readNxJson(tree)).
 */
export function pluginOptionsOf(nxJson: { plugins?: readonly unknown[] } | null | undefined): NormalizedOptions {
  const entry = (nxJson?.plugins ?? []).find((p) => (typeof p === 'string' ? p : (p as { plugin?: unknown })?.plugin) === PLUGIN_NAME);
  return normalizeOptions(typeof entry === 'object' && entry ? ((entry as { options?: ProvdPluginOptions }).options ?? undefined) : undefined);
}
