export interface InitGeneratorSchema {
  /** folder holding the plugin families */
  pluginsDir?: string;
  /** where plugin folders and packages are built */
  distDir?: string;
  /** the provd repository (folder or URL) with testing/, stable/, archive/ */
  repository?: string;
  /** folder holding wazo_provd for the test target (PROVD_PYTHONPATH overrides) */
  provdPythonPath?: string;
  /** leave nx.json's release configuration alone */
  skipRelease?: boolean;
  /** do not check for python3, rsync and bzip2 */
  skipToolCheck?: boolean;
}
