/**
 * pkgs.db as provd reads it: pkgs_db.py runs xivo-fetchfw's own parser and builders
 * (through the provd Python path) and hands back every section, and every problem
 * fetchfw itself finds, each naming its section and key.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pythonCommand } from '../recipe/recipe';
import { provdPythonEnv } from '../runtime/provd-python-path';

export const PKGS_DB_SCRIPT = join(__dirname, 'pkgs_db.py');

export interface FileEntry {
  section: string;
  /** the id packages name in `files:` */
  id: string;
  url: string | null;
  size: string | null;
  sha1sum: string | null;
  /** the `filename:` key as written */
  filename: string | null;
  downloader: string | null;
  /** fetchfw built it (url, size, sha1sum and downloader readable) */
  built: boolean;
  /** the name fetchfw saves it under: `filename:`, else the URL's last segment */
  resolvedFilename?: string;
}

export interface PkgEntry {
  section: string;
  id: string;
  files: string[];
  install: string | null;
  version: string | null;
  description: string | null;
}

export interface InstallEntry {
  section: string;
  id: string;
  steps: { key: string; value: string }[];
}

export interface RawProblem {
  section: string | null;
  key: string | null;
  message: string;
}

export interface PkgsDb {
  /** the path as given */
  file: string;
  files: FileEntry[];
  pkgs: PkgEntry[];
  installs: InstallEntry[];
  /** what fetchfw's parser and builders refused */
  problems: RawProblem[];
}

export class ProvdPythonError extends Error {}

/** Run pkgs_db.py with a JSON request and return its JSON reply. */
export function runPkgsDbScript<T>(request: object, pythonPath: string | undefined): Promise<T> {
  const python = pythonCommand();
  return new Promise<T>((resolve, reject) => {
    const child = spawn(python, [PKGS_DB_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: provdPythonEnv(pythonPath) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new ProvdPythonError(`'${python}' was not found: firmware checks run xivo-fetchfw under python3 (or set PROVD_PYTHON)`) : e)
    );
    child.on('close', (code) => {
      let reply: any;
      try {
        reply = JSON.parse(Buffer.concat(out).toString('utf8'));
      } catch {
        return reject(new ProvdPythonError(`pkgs_db.py exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
      }
      if (reply.importError) {
        return reject(
          new ProvdPythonError(
            `python3 cannot import xivo_fetchfw (${reply.importError}): point PROVD_PYTHONPATH (or the plugin option provdPythonPath) at provd's Python packages`
          )
        );
      }
      if (reply.crash) return reject(new ProvdPythonError(`pkgs_db.py failed:\n${reply.crash}`));
      resolve(reply as T);
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Read pkgs.db files with xivo-fetchfw, one python process for all of them. */
export async function readPkgsDbs(files: string[], pythonPath?: string): Promise<PkgsDb[]> {
  if (!files.length) return [];
  const reply = await runPkgsDbScript<{ dbs: PkgsDb[] }>({ op: 'read', files }, pythonPath);
  return reply.dbs;
}
