import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { provdEnv } from '../runtime/env';

/** Where python3 lives: PROVD_PYTHON overrides the PATH lookup. */
export function pythonCommand(): string {
  return provdEnv('python') || 'python3';
}

export const RECIPE_SCRIPT = join(__dirname, 'recipe.py');

export interface RecipeFailure {
  message: string;
  command?: string;
  stderr?: string;
}

export interface RecordedCommand {
  /** argv list, or the command string when the recipe ran it through a shell */
  argv: string[] | string;
  shell: boolean;
  /** working directory, relative to the family folder */
  cwd: string;
  /** family-relative paths named by the command's arguments that exist */
  reads: string[];
  /** the plugin file (relative to the plugin folder) that is this command's output alone (stdout=f, f just opened) */
  stdout?: string | null;
  /** runs as written: no executable, env or process set-up argument, environment as recipe.py started */
  plain?: boolean;
}

export interface RecordedTarget {
  targetId: string;
  pluginId: string;
  stdDirs: boolean;
  function: string;
  /** the line of build.py where the target function starts */
  line?: number | null;
  /** 'commands': the recorded commands are the whole recipe; 'python': the function must run for real */
  replay?: 'commands' | 'python';
  /** the scratch output path the function was given while recording */
  out?: string;
  commands?: RecordedCommand[];
  /** family-relative paths the function itself opened or listed */
  reads?: string[];
  error?: RecipeFailure;
}

export interface RecordedFamily {
  targets?: RecordedTarget[];
  error?: RecipeFailure;
}

export class PythonMissingError extends Error {
  constructor(command: string) {
    super(
      `'${command}' was not found: provd recipes (build.py) are Python and need python3 >= 3.8 on PATH ` +
        `(or set PROVD_PYTHON to its path).`
    );
    this.name = 'PythonMissingError';
  }
}

/** Run recipe.py with a JSON request and return its JSON reply. */
export function runRecipeScript<T>(request: object, opts: { inheritStderr?: boolean; what: string }): Promise<T> {
  const python = pythonCommand();
  return new Promise<T>((resolve, reject) => {
    const child = spawn(python, [RECIPE_SCRIPT], {
      stdio: ['pipe', 'pipe', opts.inheritStderr ? 'inherit' : 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let replied = false;
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new PythonMissingError(python) : e)
    );
    // a whole reply ends the wait: the script then removes its scratch folders on its own time
    child.stdout!.on('end', () => {
      try {
        const reply = JSON.parse(Buffer.concat(out).toString('utf8')) as T;
        replied = true;
        child.unref();
        (child.stderr as { unref?: () => void } | null)?.unref?.();
        resolve(reply);
      } catch {
        // no reply: reported on close, with the exit code and stderr
      }
    });
    // stdout ends before close: without a reply by then, there is none
    child.on('close', (code) => {
      if (replied) return;
      reject(
        new Error(`${opts.what}: ${python} ${RECIPE_SCRIPT} exited with code ${code} and no reply:\n${Buffer.concat(err).toString('utf8')}`)
      );
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

/** Record every target of the given family folders (absolute paths) in one python process. */
export async function recordFamilies(familyDirs: string[]): Promise<Record<string, RecordedFamily>> {
  if (familyDirs.length === 0) return {};
  const reply = await runRecipeScript<{ families: Record<string, RecordedFamily> }>({
    mode: 'record',
    families: familyDirs,
  }, { what: `recording ${familyDirs.map((d) => join(d, 'build.py')).join(', ')}` });
  return reply.families;
}

export interface PythonBuildResult {
  commands?: RecordedCommand[];
  reads?: string[];
  error?: RecipeFailure;
}

/**
 * Run one target for real into outDir (which must not exist), standard dirs included
 * unless `stdDirs` is false (the caller makes them).
 */
export function buildTargetWithPython(familyDir: string, targetId: string, outDir: string, stdDirs = true): Promise<PythonBuildResult> {
  const { request, what } = buildRequest(familyDir, targetId, outDir, stdDirs);
  return runRecipeScript<PythonBuildResult>(request, { inheritStderr: true, what });
}

/** recipe.py's build request, and how a failure names it: one python3 per run, or a kept one (recipe-server.ts). */
export function buildRequest(familyDir: string, targetId: string, outDir: string, stdDirs: boolean): { request: object; what: string } {
  return {
    request: { mode: 'build', family: familyDir, targetId, out: outDir, stdDirs },
    what: `running target '${targetId}' of ${join(familyDir, 'build.py')}`,
  };
}
