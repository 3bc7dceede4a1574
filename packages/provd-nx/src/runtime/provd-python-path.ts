/**
 * Where provd's Python code (wazo_provd, xivo_fetchfw) comes from, for the test and check-firmware targets: PROVD_PYTHONPATH, else the plugin option
 * provdPythonPath (nx.json), else whatever python3 imports. Either names a folder holding
 * wazo_provd and its Python dependencies (../shared/provd/pythonpath here). Which folder it is
 * never enters a cache hash: only a hash of the provd code found there does (provd-python.ts).
 */
import { delimiter, isAbsolute, resolve } from 'node:path';
import { provdEnv } from '../runtime/env';

/** The folder to put on PYTHONPATH, absolute, or undefined for python3's own path. */
export function provdPythonPath(option: string | undefined, workspaceRoot: string): string | undefined {
  const chosen = provdEnv('provdPythonPath') || option;
  if (!chosen) return undefined;
  return isAbsolute(chosen) ? chosen : resolve(workspaceRoot, chosen);
}

/** The python3 tests run with: PROVD_PYTHON (as for recipes), else python3 on the PATH. */
export function testPython(): string {
  return provdEnv('python') || 'python3';
}

/** PYTHONPATH for a child: the given folders first (the provd folder among them), then what the caller had. */
export function pythonPathEnv(folders: Array<string | undefined>, env: NodeJS.ProcessEnv = process.env): string {
  return [...folders.map((f) => (f ? resolve(f) : f)), env.PYTHONPATH].filter((p): p is string => !!p).join(delimiter);
}

/** The environment of a python3 that must import provd from `pythonPath` first (undefined: as is). */
export function provdPythonEnv(pythonPath?: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PYTHONDONTWRITEBYTECODE: '1', ...(pythonPath ? { PYTHONPATH: pythonPathEnv([pythonPath], env) } : {}) };
}

/** How to get provd when it cannot be imported: one line, the same everywhere. */
export const PROVD_HINT =
  'set PROVD_PYTHONPATH (or the plugin option provdPythonPath in nx.json) to a folder holding wazo_provd and its Python dependencies, ' +
  'e.g. PROVD_PYTHONPATH=../shared/provd/pythonpath, with its Debian packages installed (../shared/provd/setup.sh: python3-twisted, python3-jinja2...)';

export const PYTEST_HINT = 'pytest is not importable by python3: install it (sudo apt-get install python3-pytest, or pip install pytest)';
