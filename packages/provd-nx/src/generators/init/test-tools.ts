import { checkProvdPython } from '../../smoke/provd-python';
import { provdPythonPath } from '../../runtime/provd-python-path';

/**
 * What the test target needs besides the build's tools: python3 importing wazo_provd and
 * pytest (PROVD_PYTHONPATH, else the option being set, else python3's own path). The message
 * to warn with, or undefined when they import.
 */
export function testToolsProblem(workspaceRoot: string, option: string | undefined): string | undefined {
  const check = checkProvdPython(provdPythonPath(option, workspaceRoot));
  return check.ok ? undefined : `@provd/nx: the test target cannot run here yet: ${check.message}`;
}
