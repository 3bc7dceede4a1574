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
}

export interface NormalizedOptions {
  pluginsDir: string;
  distDir: string;
  repository: string;
  provdPythonPath?: string;
}

export function normalizeOptions(options: ProvdPluginOptions | undefined): NormalizedOptions {
  return {
    pluginsDir: trimSlashes(options?.pluginsDir ?? 'plugins'),
    distDir: trimSlashes(options?.distDir ?? 'dist'),
    repository: options?.repository ?? 'dist/repository',
    ...(options?.provdPythonPath ? { provdPythonPath: options.provdPythonPath } : {}),
  };
}

function trimSlashes(p: string): string {
  return p.replace(/^\.\/+/, '').replace(/\/+$/, '');
}
