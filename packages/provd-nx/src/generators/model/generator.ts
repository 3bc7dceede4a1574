import { logger, Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { BUILD_FILE } from '../../recipe/family';
import { PLUGIN_INFO } from '../../format/plugin-info';
import { parseJson, toPlain } from '../../format/python-json';
import { assertNewPluginIds } from '../shared/plugin-ids';
import { pluginOptions } from '../shared/plugin-options';
import { DeclaredTarget, RecipeSource } from '../shared/recipe-source';
import { SNAPSHOT_DIR } from '../../format/snapshot-dir';
import { capabilitiesFirmware, copiedPluginInfo, newPluginInfo } from './plugin-info-copy';
import type { ModelGeneratorSchema } from './schema';

const STYLES = `a function decorated with @target('<folder>', '<plugin-id>'), or a row ('<folder>', '<plugin-id>'), of a list or tuple a top-level for loop walks`;

export async function modelGenerator(tree: Tree, options: ModelGeneratorSchema) {
  const { pluginsDir } = pluginOptions(tree);
  const { family, name } = options;
  const familyRoot = posix.join(pluginsDir, family);
  const buildFile = posix.join(familyRoot, BUILD_FILE);
  const text = tree.read(buildFile, 'utf-8');
  if (text === null) throw new Error(`family '${family}': ${buildFile} not found (a family is a folder of ${pluginsDir}/ with a ${BUILD_FILE})`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) throw new Error(`model name '${name}': use letters, digits, '.', '_', '+' and '-' (it is a folder and a target id)`);
  const modelRoot = posix.join(familyRoot, name);
  if (tree.exists(modelRoot)) throw new Error(`${modelRoot} already exists`);

  const recipe = new RecipeSource(text, buildFile);
  if (recipe.targets.some((t) => t.folder === name)) throw new Error(`${buildFile} already declares target '${name}'`);
  const like = templateTarget(recipe, options.from);
  const pluginId = options.pluginId ?? defaultPluginId(family, name, options.from ? like : undefined);
  assertNewPluginIds(tree, [pluginId]);
  const version = options.version ?? '0.1.0';

  if (options.from) {
    const fromRoot = posix.join(familyRoot, like.folder);
    if (!tree.exists(fromRoot)) throw new Error(`--from ${options.from}: folder ${fromRoot} not found`);
    // the copy renders other phones: its snapshots are written by its own first test
    copyTree(tree, fromRoot, modelRoot, new Set([posix.join(fromRoot, SNAPSHOT_DIR)]));
    const infoFile = posix.join(modelRoot, PLUGIN_INFO);
    const infoText = tree.read(infoFile, 'utf-8');
    if (infoText === null) throw new Error(`--from ${options.from}: ${posix.join(fromRoot, PLUGIN_INFO)} not found`);
    const oldFirmware = capabilitiesFirmware((toPlain(parseJson(infoText, infoFile)) as { capabilities?: unknown }).capabilities);
    tree.write(infoFile, copiedPluginInfo(infoText, posix.join(fromRoot, PLUGIN_INFO), {
      version,
      description: options.description,
      firmware: options.firmware,
      fromFolder: like.folder,
      toFolder: name,
    }));
    const entryFile = posix.join(modelRoot, 'entry.py');
    const entry = tree.read(entryFile, 'utf-8');
    if (entry !== null && options.firmware && oldFirmware) tree.write(entryFile, replaceQuoted(entry, oldFirmware, options.firmware));
  } else {
    tree.write(posix.join(modelRoot, PLUGIN_INFO), newPluginInfo(version, options.description ?? `Plugin ${pluginId}.`));
  }
  tree.write(buildFile, recipe.withTargetLike(like, name, pluginId));
  const style = like.kind === 'row' ? `row of ${like.table}` : `function like build target '${like.folder}'`;
  logger.info(`Model ${name} of ${family}: plugin ${pluginId} ${version}, ${buildFile} ${style}. Try: nx run ${pluginId}:build`);
}

/** The target whose style (and files, with --from) the new model copies. */
function templateTarget(recipe: RecipeSource, from: string | undefined): DeclaredTarget {
  if (from) {
    const like = recipe.targets.find((t) => t.folder === from) ?? recipe.targets.find((t) => t.pluginId === from);
    if (like) return like;
    const declared = recipe.targets.map((t) => `${t.folder} (${t.pluginId})`).join(', ') || 'none readable';
    throw new Error(`--from ${from}: ${recipe.file} has no target with that folder or plugin id written as ${STYLES}. Targets found: ${declared}`);
  }
  const position = (t: DeclaredTarget) => (t.kind === 'row' ? t.line : t.start);
  const last = [...recipe.targets].sort((a, b) => position(a) - position(b)).pop();
  if (last) return last;
  const unread = recipe.unreadTargetLines();
  throw new Error(
    `${recipe.file}: no target written as ${STYLES}` +
      (unread.length ? `; @target at line(s) ${unread.join(', ')} could not be read` : '') +
      `. Add the model's target to ${recipe.file} by hand.`
  );
}

function defaultPluginId(family: string, name: string, like?: DeclaredTarget): string {
  if (like && like.pluginId.endsWith(like.folder)) return like.pluginId.slice(0, -like.folder.length) + name;
  if (like && like.pluginId.includes(like.folder)) return like.pluginId.split(like.folder).join(name);
  return `${family}-${name}`;
}

function copyTree(tree: Tree, from: string, to: string, skip: ReadonlySet<string> = new Set()): void {
  for (const child of tree.children(from)) {
    const src = posix.join(from, child);
    if (skip.has(src)) continue;
    if (tree.isFile(src)) tree.write(posix.join(to, child), tree.read(src)!);
    else copyTree(tree, src, posix.join(to, child), skip);
  }
}

function replaceQuoted(text: string, from: string, to: string): string {
  return text.split(`'${from}'`).join(`'${to}'`).split(`"${from}"`).join(`"${to}"`);
}

export default modelGenerator;
