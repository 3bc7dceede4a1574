import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readPackageOnce } from '../channel/package-cache';
import { publishPackage, PublishOptions, PublishOutcome } from '../channel/publish';
import { packagePath } from '../format/package-name';
import type { ChannelBackend } from '../repository/backend';
import { checkVersion } from '../format/provd-version';
import { type Model, modelVersion, pluginInfoPath } from '../build/model';
import { PLUGIN_INFO } from '../format/plugin-info';
import { profiled } from '../runtime/profile';

/**
 * Publish a model's built package (<distDir>/packages/<id>-<version>.tar.bz2; `distDir` relative
 * to the workspace, or absolute) into `channel`, with the plugin-info the package itself holds:
 * that is what provd will read.
 */
export async function publishModel(
  workspaceRoot: string,
  model: Model,
  distDir: string,
  channel: ChannelBackend,
  opts: PublishOptions = {}
): Promise<PublishOutcome> {
  const version = modelVersion(workspaceRoot, model);
  // publishing orders versions (downgrade checks): refuse one we cannot order
  checkVersion(version, pluginInfoPath(model));
  const shown = packagePath(distDir, model.pluginId, version);
  const packageFile = resolve(workspaceRoot, shown);
  if (!existsSync(packageFile)) throw new Error(`${shown} does not exist: build ${model.pluginId} first`);
  // parsed once: publishPackage checks the same package again from the cache
  const packaged = (await profiled('publish: read package back', () => readPackageOnce(packageFile))).read(`${model.pluginId}/${PLUGIN_INFO}`);
  if (!packaged) throw new Error(`${packageFile} holds no ${model.pluginId}/${PLUGIN_INFO}`);
  return profiled('publish: upload + index', () =>
    publishPackage(channel, { pluginId: model.pluginId, version, packageFile, pluginInfoText: packaged.toString('utf8') }, opts)
  );
}
