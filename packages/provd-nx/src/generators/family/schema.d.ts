export interface FamilyGeneratorSchema {
  /** family folder name under pluginsDir, e.g. xivo-acme */
  name: string;
  /** vendor as phones announce it (capabilities keys, plugin associator) */
  vendor?: string;
  /** folder of the first model, also its build.py target id */
  model?: string;
  /** plugin id of the first model */
  pluginId?: string;
  /** phone models the first model supports */
  phoneModels?: string[];
  /** firmware version of the first model (capabilities keys) */
  firmware?: string;
  /** plugin-info version of the first model */
  version?: string;
  /** plugin-info description of the first model */
  description?: string;
}
