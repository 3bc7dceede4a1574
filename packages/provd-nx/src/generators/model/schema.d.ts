export interface ModelGeneratorSchema {
  /** family name (folder under pluginsDir) */
  family: string;
  /** new model folder, also its build.py target id */
  name: string;
  /** model folder (or plugin id) of the same family to copy */
  from?: string;
  /** plugin id of the new model */
  pluginId?: string;
  /** firmware version for the capabilities keys */
  firmware?: string;
  /** plugin-info version */
  version?: string;
  /** plugin-info description */
  description?: string;
}
