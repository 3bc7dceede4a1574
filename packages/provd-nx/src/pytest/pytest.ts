/**
 * The collection's own pytest tests, run the way its CI runs `pytest plugins`: from the
 * collection root (the folder holding plugins/), so the families are importable as
 * `plugins.<family>` and conftest.py files above a tests/ folder apply; one run per project
 * (a model's or a shared folder's tests/), so Nx can cache and skip each. Nx-free.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { PYTEST_HINT, pythonPathEnv, testPython } from '../runtime/provd-python-path';
import { runInProcessGroup } from '../runtime/process-group';

/** The folder of a project holding its pytest tests. */
export const TESTS_FOLDER = 'tests';

export interface PytestCounts {
  passed: number;
  failed: number;
  error: number;
  skipped: number;
  xfailed: number;
  xpassed: number;
  deselected: number;
}

export interface PytestResult {
  ok: boolean;
  /** tests/ folders run (workspace-relative); none: nothing to run, ok */
  folders: string[];
  counts: PytestCounts;
  collected: number;
  /** the test files pytest collected, relative to the collection root */
  files: string[];
  /** what failed, one line each, naming the file or test */
  problems: string[];
  /** pytest's terminal output (shown when something failed) */
  output: string;
  timedOut: boolean;
}

export interface PytestRequest {
  workspaceRoot: string;
  /** workspace-relative plugins folder (its parent is the collection root) */
  pluginsDir: string;
  /** workspace-relative project folders whose tests/ run */
  projectFolders: string[];
  /** the folder holding wazo_provd (PROVD_PYTHONPATH), if any */
  pythonPath?: string;
  /** the python3 that imports provd (checkProvdPython's answer); default PROVD_PYTHON or python3 */
  python?: string;
  timeoutMs: number;
}

const ZERO: PytestCounts = { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0 };

/** The tests/ folders of these project folders that exist. */
export function testFolders(workspaceRoot: string, projectFolders: string[]): string[] {
  return projectFolders.map((f) => join(f, TESTS_FOLDER)).filter((f) => isDirectory(join(workspaceRoot, f)));
}

/** Whether python3 imports pytest with this PYTHONPATH: undefined if so, else the message. */
export function checkPytest(pythonPath?: string, python = testPython()): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn(python, ['-c', 'import pytest'], { env: { ...process.env, PYTHONPATH: pythonPathEnv([pythonPath]) }, stdio: 'ignore' });
    child.on('error', (e) => done(`python3 cannot be started (${e.message}): ${PYTEST_HINT}`));
    child.on('close', (code) => done(code === 0 ? undefined : PYTEST_HINT));
  });
}

/** Run pytest on the projects' tests/ folders; never rejects on failing tests. */
export async function runPytest(req: PytestRequest): Promise<PytestResult> {
  const folders = testFolders(req.workspaceRoot, req.projectFolders);
  if (folders.length === 0) return { ok: true, folders, counts: { ...ZERO }, collected: 0, files: [], problems: [], output: '', timedOut: false };
  const missing = await checkPytest(req.pythonPath, req.python);
  if (missing) return failed(folders, missing);
  const pluginsAbs = resolve(req.workspaceRoot, req.pluginsDir);
  const collectionRoot = dirname(pluginsAbs);
  const scratch = mkdtempSync(join(tmpdir(), 'provd-pytest-'));
  const report = join(scratch, 'report.json');
  try {
    const args = [
      '-m', 'pytest',
      '-p', 'provd_nx_pytest',
      // pytest's own cache stays out of the collection (and out of Nx's inputs)
      '-p', 'no:cacheprovider',
      '--rootdir', collectionRoot,
      '-q', '--color=no',
      ...folders.map((f) => resolve(req.workspaceRoot, f)),
    ];
    const env = {
      ...process.env,
      PYTHONPATH: pythonPathEnv([__dirname, req.pythonPath]),
      PYTHONDONTWRITEBYTECODE: '1',
      PROVD_PYTEST_PLUGINS_DIR: pluginsAbs,
      PROVD_PYTEST_REPORT: report,
    };
    const run = await runInProcessGroup(req.python ?? testPython(), args, { cwd: collectionRoot, env, timeoutMs: req.timeoutMs });
    const parsed = readReport(report);
    if (run.timedOut) {
      const running = parsed?.running ? `: still running ${parsed.running}` : '';
      return { ...failed(folders, `pytest timed out after ${Math.round(req.timeoutMs / 1000)} s (timeout option) in ${folders.join(', ')}${running}`), output: run.output, timedOut: true };
    }
    // a conftest.py that cannot be imported stops pytest before any test: name it and its error
    const conftest = /ImportError while loading conftest '([^']+)'[\s\S]*?^E\s+(.+)$/m.exec(run.output);
    const conftestProblem = conftest ? `${relative(collectionRoot, conftest[1])}: ${conftest[2].trim()}` : undefined;
    if (!parsed || parsed.exitstatus === undefined) {
      return { ...failed(folders, conftestProblem ?? `pytest did not finish in ${folders.join(', ')} (exit ${run.code ?? run.signal})`), output: run.output };
    }
    const counts = { ...ZERO, ...parsed.counts };
    const problems = [
      ...parsed.errors.map((e) => `${e.nodeid}: ${e.message}`),
      ...parsed.failed.map((n) => `${n}: failed`),
    ];
    // 5: no tests collected, fine for a tests/ folder holding only helpers
    const ok = parsed.exitstatus === 0 || (parsed.exitstatus === 5 && problems.length === 0);
    if (!ok && problems.length === 0 && conftestProblem) problems.push(conftestProblem);
    if (!ok && problems.length === 0) problems.push(`pytest exited ${parsed.exitstatus} in ${folders.join(', ')}`);
    return { ok, folders, counts, collected: parsed.collected ?? 0, files: parsed.files ?? [], problems, output: run.output, timedOut: false };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One line: "3 passed, 1 failed" as pytest says it. */
export function formatCounts(c: PytestCounts): string {
  const parts = (Object.keys(ZERO) as Array<keyof PytestCounts>).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k === 'error' ? (c[k] > 1 ? 'errors' : 'error') : k}`);
  return parts.length ? parts.join(', ') : 'no tests';
}

function failed(folders: string[], problem: string): PytestResult {
  return { ok: false, folders, counts: { ...ZERO }, collected: 0, files: [], problems: [problem], output: '', timedOut: false };
}

interface Report {
  running?: string;
  exitstatus?: number;
  counts?: Partial<PytestCounts>;
  collected?: number;
  errors: Array<{ nodeid: string; message: string }>;
  failed: string[];
  files?: string[];
}

function readReport(file: string): Report | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    return { errors: [], failed: [], ...r };
  } catch {
    return undefined;
  }
}


function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
