/**
 * Every PROVD_* environment variable the plugin reads or sets, in one place.
 * Plain names only (no Nx), so the domain folders may read them too.
 */
export const PROVD_ENV = {
  /** the repository location, over the option and nx.json (a folder, an rsync remote or a URL) */
  repository: 'PROVD_REPOSITORY',
  /** bearer token for writes to a provd-repo server (PROVD_REPOSITORY=http(s)://...) */
  repositoryToken: 'PROVD_REPOSITORY_TOKEN',
  /** the python3 to run recipes with, instead of the PATH lookup */
  python: 'PROVD_PYTHON',
  /** this nx run's log file; set by preTasksExecution, read by tasks and postTasksExecution */
  runLog: 'PROVD_RUN_LOG',
  /** `nx affected --base`, handed to version tasks by preTasksExecution */
  base: 'PROVD_BASE',
  /** `--bump` given to nx affected/run-many, handed to version tasks by preTasksExecution */
  bump: 'PROVD_BUMP',
  /** 'true' when the run has --dry-run (or NX_DRY_RUN=true); set by preTasksExecution */
  dryRun: 'PROVD_DRY_RUN',
  /** a dry run's scratch folder, where its builds go instead of dist/; set by preTasksExecution, removed by postTasksExecution */
  dryRunDist: 'PROVD_DRY_RUN_DIST',
  /** 'true' when the run has --commit (version/publish): the end-of-run hook commits the bumps */
  commit: 'PROVD_COMMIT',
  /** nx's own `--version` flag, which promote --from archive reads as the version to restore */
  restoreVersion: 'PROVD_RESTORE_VERSION',
  /** seconds to wait for a remote repository's connection or next data (default 30) */
  timeout: 'PROVD_TIMEOUT',
  /** a folder holding wazo_provd and its Python dependencies (test target), over nx.json's provdPythonPath */
  provdPythonPath: 'PROVD_PYTHONPATH',
  /** a hash of the provd code the test target runs against; set by preTasksExecution, an input of every test task */
  provdFingerprint: 'PROVD_CODE_FINGERPRINT',
  /** a file: benchmarks set it, and timed phases append one JSON line each (runtime/profile.ts) */
  profile: 'PROVD_PROFILE',
} as const;

/** A PROVD_* variable's value, or undefined when unset. */
export function provdEnv(name: keyof typeof PROVD_ENV): string | undefined {
  return process.env[PROVD_ENV[name]];
}
