/**
 * `nx release version` for provd models: the version lives in plugin-info.
 *
 * nx.json:
 *   "release": {
 *     "projects": ["tag:type:model"],
 *     "projectsRelationship": "independent",
 *     "version": { "versionActions": "@provd/nx/src/release/version-actions" }
 *   }
 */
import type { ProjectGraph, ProjectGraphDependency, Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { VersionActions } from 'nx/release';
import { openRepository, repositoryLocation } from '../repository/open';
import { PLUGIN_INFO, parsePluginInfo, withVersion } from '../format/plugin-info';
import { INDEX_FILE, parseIndex } from '../format/plugins-db';
import { isKeywordBump, isVersion, nextVersion } from '../format/provd-version';
import { planReleasedBump } from './released-bump';

export default class PluginInfoVersionActions extends VersionActions {
  validManifestFilenames = [PLUGIN_INFO];
  // plugin-info keeps its own formatting; withVersion touches nothing else
  excludeManifestsFromFormatting = true;

  private get manifestPath(): string {
    return posix.join(this.projectGraphNode.data.root, PLUGIN_INFO);
  }

  /**
   * Called by Nx after version plans are read and before any bump is decided: the
   * moment to say which models need one (see released-bump.ts), so nothing prompts.
   */
  override async validate(tree: Tree): Promise<void> {
    await super.validate(tree);
    await planReleasedBump(this.releaseGroup, this.projectGraphNode, tree, (line) => console.log(`provd: ${line}`));
  }

  async readCurrentVersionFromSourceManifest(tree: Tree) {
    const text = tree.read(this.manifestPath, 'utf-8');
    if (text === null) return null;
    return { currentVersion: parsePluginInfo(text, this.manifestPath).version, manifestPath: this.manifestPath };
  }

  /** The "registry" of a provd plugin is the testing channel of the repository. */
  async readCurrentVersionFromRegistry(tree: Tree, metadata?: Record<string, unknown>) {
    const channel = typeof metadata?.channel === 'string' ? metadata.channel : 'testing';
    const repository = openRepository(repositoryLocation(metadata?.repository as string | undefined), tree.root);
    const backend = repository.channel(channel as 'testing' | 'stable');
    const text = await backend.readText(INDEX_FILE);
    const entry = text ? parseIndex(text, `${backend.location}/${INDEX_FILE}`).get(this.projectGraphNode.name) : undefined;
    const version = entry && typeof entry === 'object' && 'version' in entry ? String((entry as Record<string, unknown>).version) : null;
    return { currentVersion: version, logText: `${backend.location}/${INDEX_FILE}` };
  }

  /**
   * What the recipe reads: the family (build.py), the shared folders it copies.
   * The default drops implicit dependencies, which are exactly ours.
   */
  async readDependencies(_tree: Tree, projectGraph: ProjectGraph): Promise<ProjectGraphDependency[]> {
    return projectGraph.dependencies[this.projectGraphNode.name] ?? [];
  }

  /** Families and shared folders carry no version of their own. */
  async readCurrentVersionOfDependency() {
    return { currentVersion: null, dependencyCollection: 'recipe' };
  }

  async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    const text = tree.read(this.manifestPath, 'utf-8');
    if (text === null) throw new Error(`${this.manifestPath}: missing`);
    tree.write(this.manifestPath, withVersion(text, newVersion, this.manifestPath));
    return [`✍️  New version ${newVersion} written to ${this.manifestPath}`];
  }

  /**
   * provd versions keep their shape (0.2 -> 0.3, see provd-version.ts); Nx's default is
   * semver-only. Other keywords (prerelease, premajor...) stay with Nx.
   */
  async calculateNewVersion(
    currentVersion: string | null,
    newVersionInput: string,
    newVersionInputReason: string,
    newVersionInputReasonData: Record<string, unknown>,
    preid: string
  ): Promise<{ newVersion: string; logText: string }> {
    if (currentVersion !== null && isKeywordBump(newVersionInput)) {
      const newVersion = nextVersion(currentVersion, newVersionInput, this.manifestPath);
      return { newVersion, logText: `❓ Applied ${newVersionInput} bump to get new version ${newVersion}` };
    }
    if (!isKeywordBump(newVersionInput) && isVersion(newVersionInput)) {
      return { newVersion: newVersionInput, logText: `❓ Applied explicit version ${newVersionInput}` };
    }
    return super.calculateNewVersion(currentVersion, newVersionInput, newVersionInputReason, newVersionInputReasonData, preid);
  }

  /** plugin-info records no dependency versions. */
  async updateProjectDependencies(): Promise<string[]> {
    return [];
  }
}
