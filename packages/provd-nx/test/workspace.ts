/**
 * Real temporary Nx workspaces for end-to-end specs: a git repository with
 * nx.json registering @provd/nx, plugin families copied from this repository's
 * plugins/ (or written by the spec), and node_modules linked to ours.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { REPO_ROOT } from './temp';

export { REPO_ROOT };
const NX_BIN = join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions on messages */
  output: string;
}

export interface WorkspaceOptions {
  /** families copied from this repository's plugins/ */
  families?: string[];
  /** extra files (workspace-relative path → content) */
  files?: Record<string, string | Buffer>;
  /** plugin options in nx.json */
  pluginOptions?: Record<string, unknown>;
  /** commit everything as the first commit (default true) */
  commit?: boolean;
}

export class TestWorkspace {
  constructor(public readonly root: string) {}

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  write(rel: string, content: string | Buffer): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), content);
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  append(rel: string, content: string): void {
    this.write(rel, this.read(rel) + content);
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...NX_ENV },
    });
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  /**
   * The environment for commands in this workspace. Nx 23 shares one cache
   * between clones of a repository; each test workspace keeps its own.
   */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...NX_ENV,
      NX_CACHE_DIRECTORY: this.path('.nx', 'cache'),
      NX_WORKSPACE_DATA_DIRECTORY: this.path('.nx', 'workspace-data'),
      ...extra,
    };
  }

  run(cmd: string, args: string[], env: Record<string, string> = {}): RunResult {
    const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
      cwd: this.root,
      encoding: 'utf8',
      env: this.env(env),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
  }

  /** The real nx CLI, no daemon, no cloud. */
  nx(args: string[], env: Record<string, string> = {}): RunResult {
    return this.run(process.execPath, [NX_BIN, ...args], env);
  }

  /** nx, failing the spec with its output when it exits non-zero */
  nxOk(args: string[], env: Record<string, string> = {}): RunResult {
    const r = this.nx(args, env);
    if (r.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${r.code}:\n${r.output}`);
    return r;
  }

  projects(extra: string[] = []): string[] {
    const r = this.nxOk(['show', 'projects', '--json', ...extra]);
    return (JSON.parse(r.stdout) as string[]).sort();
  }

  affected(base = 'HEAD~1'): string[] {
    return this.projects(['--affected', `--base=${base}`, '--head=HEAD']);
  }

  /** affected by uncommitted changes to tracked files, or by untracked files */
  affectedUncommitted(which: 'uncommitted' | 'untracked' = 'uncommitted'): string[] {
    return this.projects(['--affected', `--${which}`]);
  }

  project(name: string): any {
    return JSON.parse(this.nxOk(['show', 'project', name, '--json']).stdout);
  }

  private graphCache?: any;

  /** The project graph as nx computes it here (cached for the workspace's life: call after setup). */
  graph(): any {
    this.graphCache ??= JSON.parse(this.nxOk(['graph', '--file=stdout']).stdout).graph;
    return this.graphCache;
  }

  /** A real ExecutorContext for running an executor in-process against this workspace. */
  executorContext(projectName: string, targetName: string): any {
    const projects = Object.fromEntries(Object.entries<any>(this.graph().nodes).map(([name, node]) => [name, node.data]));
    return {
      root: this.root,
      cwd: this.root,
      projectName,
      targetName,
      isVerbose: false,
      projectsConfigurations: { version: 2, projects },
      nxJsonConfiguration: JSON.parse(this.read('nx.json')),
    };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const NX_ENV: Record<string, string> = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_INTERACTIVE: 'false',
  NX_VERBOSE_LOGGING: 'false',
  FORCE_COLOR: '0',
  GIT_AUTHOR_NAME: 'provd tests',
  GIT_AUTHOR_EMAIL: 'tests@example.invalid',
  GIT_COMMITTER_NAME: 'provd tests',
  GIT_COMMITTER_EMAIL: 'tests@example.invalid',
};

export function createWorkspace(options: WorkspaceOptions = {}): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'provd-ws-'));
  const ws = new TestWorkspace(root);
  ws.write(
    'package.json',
    JSON.stringify({ name: 'provd-test-workspace', version: '0.0.0', private: true }, null, 2) + '\n'
  );
  ws.write(
    'nx.json',
    JSON.stringify(
      {
        defaultBase: 'main',
        plugins: [{ plugin: '@provd/nx', options: { pluginsDir: 'plugins', ...(options.pluginOptions ?? {}) } }],
      },
      null,
      2
    ) + '\n'
  );
  ws.write('.gitignore', 'node_modules\ndist\n.nx\n');
  // Nx needs a workspace tsconfig to load a TypeScript plugin through swc on Node 20
  ws.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022' } }, null, 2) + '\n');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const family of options.families ?? []) {
    cpSync(join(REPO_ROOT, 'plugins', family), join(root, 'plugins', family), { recursive: true, verbatimSymlinks: true });
  }
  for (const [rel, content] of Object.entries(options.files ?? {})) ws.write(rel, content);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
  execFileSync('git', ['config', 'core.autocrlf', 'false'], { cwd: root });
  if (options.commit !== false) ws.commit('initial');
  return ws;
}
