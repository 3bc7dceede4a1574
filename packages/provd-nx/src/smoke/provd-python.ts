/**
 * Where provd's Python code comes from: a folder holding wazo_provd and its dependencies
 * (PROVD_PYTHONPATH, or the plugin option provdPythonPath), else whatever python3 imports.
 * The check gives one line saying how to get what is missing, never a traceback; the
 * fingerprint hashes the code itself, so a path never changes a cache hash, only the code.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { provdPythonEnv } from '../runtime/provd-python-path';
import { sync as globSync } from 'fast-glob';

/** provd's third-party packages come from Debian, which only Debian's own python3 sees: tried after PATH's. */
const DEBIAN_PYTHON = '/usr/bin/python3';

/** What the smoke test imports (provd's app pulls in the rest); the collection's own tests need pytest on top. */
const PROVD_MODULES = ['twisted', 'jinja2', 'wazo_provd.plugins', 'wazo_provd.app', 'wazo_provd.devices.schemas'];

export type ProvdPythonCheck = { ok: true; python: string } | { ok: false; message: string };

/** The interpreters to try, in order: PROVD_PYTHON, python3 on PATH, Debian's. */
function candidates(): string[] {
  const list = [process.env.PROVD_PYTHON, 'python3', DEBIAN_PYTHON].filter((p): p is string => !!p);
  return [...new Set(list)];
}

// one line of JSON: the modules that cannot be imported, each with its error
const PROBE = `
import importlib, json, sys, warnings
warnings.simplefilter('ignore')
missing = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException as e:
        missing[name] = (type(e).__name__ + ': ' + str(e)).splitlines()[0][:200]
print(json.dumps(missing))
`;

const checks = new Map<string, ProvdPythonCheck>();

/**
 * The python3 that imports provd (and pytest unless `{ pytest: false }`) with `pythonPath` first
 * on its path, or one clear message saying how to get them.
 */
export function checkProvdPython(pythonPath?: string, opts: { pytest?: boolean } = {}): ProvdPythonCheck {
  const pytest = opts.pytest ?? true;
  const key = `${pythonPath ?? ''}\0${pytest}\0${process.env.PROVD_PYTHON ?? ''}`;
  const known = checks.get(key);
  if (known) return known;
  const result = probe(pythonPath, pytest);
  checks.set(key, result);
  return result;
}

function probe(pythonPath: string | undefined, pytest: boolean): ProvdPythonCheck {
  const how =
    'set PROVD_PYTHONPATH (or the provdPythonPath option of @provd/nx in nx.json) to a folder holding wazo_provd and its ' +
    "Python dependencies, such as the provd test client's pythonpath/ (../shared/provd/pythonpath), and install provd's " +
    'Debian packages once, as root: sh ../shared/provd/setup.sh';
  if (pythonPath && !existsSync(join(pythonPath, 'wazo_provd'))) {
    return { ok: false, message: `provd's Python code is not in ${pythonPath}: it holds no wazo_provd/; ${how}` };
  }
  const modules = pytest ? [...PROVD_MODULES, 'pytest'] : PROVD_MODULES;
  let best: { python: string; missing: Record<string, string> } | undefined;
  for (const python of candidates()) {
    const r = spawnSync(python, ['-c', PROBE, ...modules], { env: provdPythonEnv(pythonPath), encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) continue; // no such interpreter
    let missing: Record<string, string>;
    try {
      missing = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    } catch {
      continue;
    }
    if (Object.keys(missing).length === 0) return { ok: true, python };
    if (!best || Object.keys(missing).length < Object.keys(best.missing).length) best = { python, missing };
  }
  if (!best) return { ok: false, message: `no python3 found (tried ${candidates().join(', ')}): install python3, then ${how}` };
  const names = Object.keys(best.missing);
  const onlyPytest = names.length === 1 && names[0] === 'pytest';
  const what = names.map((n) => `${n} (${best!.missing[n]})`).join(', ');
  const where = pythonPath ? `${best.python} with ${pythonPath} on its path` : best.python;
  return {
    ok: false,
    message: onlyPytest
      ? `pytest is missing for ${where}: install it (apt-get install python3-pytest; sh ../shared/provd/setup.sh does)`
      : `${where} cannot import ${what}: ${how}`,
  };
}

const fingerprints = new Map<string, string>();

/**
 * A hash of the wazo_provd code python3 would import with `pythonPath` first: its files, named
 * relative to the package, so moving or renaming the folder changes nothing.
 */
export function provdFingerprint(pythonPath?: string): string {
  const key = pythonPath ?? '';
  const known = fingerprints.get(key);
  if (known) return known;
  const hash = createHash('sha1');
  const dir = wazoProvdDir(pythonPath);
  if (!dir) hash.update('no wazo_provd');
  else {
    const files = globSync('**/*', { cwd: dir, onlyFiles: true, dot: true, ignore: ['**/__pycache__/**', '**/*.pyc'] }).sort();
    for (const rel of files) hash.update(`/${rel}\0`).update(readFileSync(join(dir, rel))).update('\0');
  }
  const digest = hash.digest('hex');
  fingerprints.set(key, digest);
  return digest;
}

/** The folder of the wazo_provd package python3 would import (found without running it), or undefined. */
function wazoProvdDir(pythonPath?: string): string | undefined {
  if (pythonPath && existsSync(join(pythonPath, 'wazo_provd'))) return resolve(pythonPath, 'wazo_provd');
  const find = "import importlib.util as u; s = u.find_spec('wazo_provd'); print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')";
  for (const python of candidates()) {
    const r = spawnSync(python, ['-c', find], { env: provdPythonEnv(pythonPath), encoding: 'utf8', timeout: 60_000 });
    const dir = r.status === 0 ? r.stdout.trim() : '';
    if (dir && existsSync(dir)) return dir;
  }
  return undefined;
}
