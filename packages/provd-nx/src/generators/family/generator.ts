import { generateFiles, logger, Tree } from '@nx/devkit';
import { join, posix } from 'node:path';
import { pluginOptions } from '../shared/plugin-options';
import { assertNewPluginIds } from '../shared/plugin-ids';
import { className, humanList, pythonIdentifier, vendorFromFamily } from '../shared/names';
import type { FamilyGeneratorSchema } from './schema';

export async function familyGenerator(tree: Tree, options: FamilyGeneratorSchema) {
  const { pluginsDir } = pluginOptions(tree);
  const name = options.name;
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new Error(`family name '${name}': use lower-case letters, digits, '.', '_' and '-'`);
  const root = posix.join(pluginsDir, name);
  if (tree.exists(root)) throw new Error(`${root} already exists: choose another family name, or add a model with nx g @provd/nx:model --family ${name}`);

  const vendor = options.vendor ?? vendorFromFamily(name);
  const model = options.model ?? '1.0.0';
  const pluginId = options.pluginId ?? `${name}-${model}`;
  const phoneModels = options.phoneModels?.length ? options.phoneModels : ['Phone'];
  const firmware = options.firmware ?? model;
  const description = options.description ?? `Plugin for ${vendor} ${humanList(phoneModels)} in version ${firmware}.`;
  assertNewPluginIds(tree, [pluginId]);

  const pluginInfo = {
    version: options.version ?? '0.1.0',
    description,
    capabilities: Object.fromEntries(
      phoneModels.map((m) => [`${vendor}, ${m}, ${firmware}`, { 'sip.lines': 1, 'telephony.type': 'phone' }])
    ),
  };
  generateFiles(tree, join(__dirname, 'files'), root, {
    tmpl: '',
    name,
    vendor,
    className: className(vendor),
    model,
    pluginId,
    phoneModels,
    firstPhoneModel: phoneModels[0],
    firmware,
    functionSuffix: pythonIdentifier(model),
    pluginInfo: JSON.stringify(pluginInfo, null, 4),
    // how tests import the family (the test target's pytest plugin maps '_' back to the folder)
    importPath: `${pythonIdentifier(posix.basename(pluginsDir))}.${pythonIdentifier(name)}`,
  });
  logger.info(`Family ${name} in ${root}: model ${model} (plugin ${pluginId}). Try: nx run ${pluginId}:build`);
}

export default familyGenerator;
