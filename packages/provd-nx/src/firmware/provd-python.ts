/**
 * Where provd's Python packages (wazo_provd, xivo_fetchfw) come from: the plugin option
 * `provdPythonPath`, which PROVD_PYTHONPATH overrides; neither set, whatever python3 imports.
 * Nx-free, like the firmware library that uses it.
 */
import { delimiter } from 'node:path';

export const PROVD_PYTHONPATH = 'PROVD_PYTHONPATH';

export function provdPythonPath(option?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[PROVD_PYTHONPATH] || option || undefined;
}

/** The environment of a python3 that imports provd from `pythonPath` (first on PYTHONPATH). */
export function provdPythonEnv(pythonPath: string | undefined, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const rest = env.PYTHONPATH ? [env.PYTHONPATH] : [];
  return {
    ...env,
    PYTHONDONTWRITEBYTECODE: '1',
    ...(pythonPath ? { PYTHONPATH: [pythonPath, ...rest].join(delimiter) } : {}),
  };
}
