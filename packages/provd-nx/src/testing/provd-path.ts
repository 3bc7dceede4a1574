/**
 * Where the test target's provd comes from: PROVD_PYTHONPATH, else the plugin option
 * provdPythonPath (nx.json), else whatever python3 imports. Either names a folder holding
 * wazo_provd and its Python dependencies (../shared/provd/pythonpath here). Which folder it is
 * never enters a cache hash: only a hash of the provd code found there does (provd-python.ts).
 */
import { isAbsolute, resolve } from 'node:path';
import { provdEnv } from '../utils/env';

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

/** PYTHONPATH for a child: the provd folder first, then what the caller had. */
export function pythonPathEnv(folders: Array<string | undefined>): string {
  return [...folders, process.env.PYTHONPATH].filter((p): p is string => !!p).join(':');
}

/** How to get provd when it cannot be imported: one line, the same everywhere. */
export const PROVD_HINT =
  'set PROVD_PYTHONPATH (or the plugin option provdPythonPath in nx.json) to a folder holding wazo_provd and its Python dependencies, ' +
  'e.g. PROVD_PYTHONPATH=../shared/provd/pythonpath, with its Debian packages installed (../shared/provd/setup.sh: python3-twisted, python3-jinja2...)';

export const PYTEST_HINT = 'pytest is not importable by python3: install it (sudo apt-get install python3-pytest, or pip install pytest)';
