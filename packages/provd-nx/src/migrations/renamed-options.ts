/**
 * Every option of @provd/nx that a release renamed: the one place a rename is
 * declared. The `rename-options` migration (migrations.json) rewrites what
 * users wrote under the old name in nx.json and project.json files, so
 * `nx migrate @provd/nx@latest` carries them over.
 *
 * Adding a row: set `since` to the release that renames the option, and the
 * version of `rename-options` in migrations.json to that release (its spec
 * checks both). Rows apply in order, so a later rename of the same option
 * (a -> b, then b -> c) follows the earlier one.
 *
 * No option has been renamed yet: the table is empty.
 */
export interface RenamedOption {
  /** the release of @provd/nx that renamed it */
  since: string;
  /** 'plugin' for the plugin's options in nx.json, else the executor's name (`publish` for @provd/nx:publish) */
  scope: 'plugin' | string;
  from: string;
  to: string;
}

export const RENAMED_OPTIONS: readonly RenamedOption[] = [];
