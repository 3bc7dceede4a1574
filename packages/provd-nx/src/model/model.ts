import { ModelRecipe } from '../recipe/family';

/** What the plugin keeps in project metadata, so executors and dependencies need not re-read recipes. */
export type ProvdMetadata =
  | { kind: 'family'; family: string; models: string[]; sharedFolders: string[] }
  | { kind: 'shared'; family: string; folder: string; usedBy: string[] }
  | ({ kind: 'model'; family: string; familyRoot: string; version: string; sharedFolders: string[]; modelDeps: string[] } & ModelRecipe);

export type ModelMetadata = Extract<ProvdMetadata, { kind: 'model' }>;

export function sharedProjectName(family: string, folder: string): string {
  return `${family}/${folder}`;
}
