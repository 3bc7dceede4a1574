/**
 * python3 running `recipe.py --serve`, kept for the next recipe: a batch of builds
 * starts one python3 per lane instead of one per recipe run under python3. Each
 * start-up of recipe.py costs about 60 ms of CPU, most of what a short recipe costs
 * (measured on the Wazo-shaped benchmark: 22 python recipes, 1.4 CPU s, 1.3 of them
 * start-ups). recipe.py runs each target as if alone in the process (ProcessState,
 * as recording does), so a recipe's result does not depend on which ran before it.
 *
 * A server answers one request at a time (a JSON line in, a JSON line out); idle
 * servers do not keep this process alive (unref'd), and one started with another python3,
 * environment, working directory or umask than the caller's now is never reused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { buildRequest, PythonMissingError, pythonCommand, RECIPE_SCRIPT, type PythonBuildResult } from './recipe';

interface Pending {
  resolve: (reply: PythonBuildResult) => void;
  reject: (error: Error) => void;
  what: string;
}

type Unreffable = { ref?: () => void; unref?: () => void } | null;

class RecipeServer {
  private readonly child: ChildProcess;
  private buffered = '';
  private pending: Pending | null = null;
  dead = false;

  constructor(readonly python: string, readonly key: string) {
    this.child = spawn(python, [RECIPE_SCRIPT, '--serve'], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => this.received(s));
    this.child.on('error', (e: NodeJS.ErrnoException) => this.failed(e.code === 'ENOENT' ? new PythonMissingError(python) : e));
    // stdout ends before close: a request still waiting then has no reply
    this.child.on('close', (code) => this.failed(null, code));
    // a server that died between requests: the next write fails, the close above reports it
    this.child.stdin!.on('error', () => undefined);
  }

  request(request: object, what: string): Promise<PythonBuildResult> {
    if (this.dead) return Promise.reject(new Error(`${what}: ${this.python} ${RECIPE_SCRIPT} --serve has exited`));
    this.setRef(true);
    return new Promise<PythonBuildResult>((resolve, reject) => {
      this.pending = { resolve, reject, what };
      this.child.stdin!.write(JSON.stringify(request) + '\n');
    }).finally(() => this.setRef(false));
  }

  private received(s: string): void {
    this.buffered += s;
    let end: number;
    while ((end = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const pending = this.pending;
      this.pending = null;
      if (!pending) continue;
      try {
        pending.resolve(JSON.parse(line) as PythonBuildResult);
      } catch (e) {
        pending.reject(new Error(`${pending.what}: ${this.python} ${RECIPE_SCRIPT} --serve replied with no JSON (${(e as Error).message})`));
      }
    }
  }

  private failed(error: Error | null, code?: number | null): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = null;
    // stderr is the terminal's (inherited), as for a recipe run in its own python3
    pending?.reject(error ?? new Error(`${pending.what}: ${this.python} ${RECIPE_SCRIPT} exited with code ${code} and no reply`));
  }

  /** Busy servers keep this process alive; idle ones leave when it ends (their stdin closes). */
  private setRef(on: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout] as Unreffable[]) {
      (on ? handle?.ref : handle?.unref)?.call(handle);
    }
  }
}

const idle: RecipeServer[] = [];

/**
 * What a started python3 inherited (the command, environment, working directory, umask):
 * a server is reused only where a python3 started now would inherit the same.
 */
function serverKey(python: string): string {
  return JSON.stringify([python, process.env, process.cwd(), process.umask()]);
}

/**
 * Run one target for real into outDir (which must not exist) in a kept python3,
 * standard dirs included unless `stdDirs` is false (the caller makes them): what
 * buildTargetWithPython does in a python3 of its own.
 */
export async function buildTargetInServer(familyDir: string, targetId: string, outDir: string, stdDirs = true): Promise<PythonBuildResult> {
  const python = pythonCommand();
  const key = serverKey(python);
  let server: RecipeServer | undefined;
  for (let i = idle.length - 1; i >= 0; i--) {
    if (idle[i].dead) idle.splice(i, 1);
    else if (!server && idle[i].key === key) server = idle.splice(i, 1)[0];
  }
  server ??= new RecipeServer(python, key);
  try {
    const { request, what } = buildRequest(familyDir, targetId, outDir, stdDirs);
    return await server.request(request, what);
  } finally {
    if (!server.dead) idle.push(server);
  }
}
