/** --install: the package's real recipe, run by xivo-fetchfw's package manager in a scratch folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPkgsDbScript } from './pkgs-db';

export interface InstallOutcome {
  ok: boolean;
  /** the failing step, as `src-dst` */
  step?: string;
  /** its command as written in the install section */
  command?: string;
  error?: string;
  /** files the recipe installed, relative to var/tftpboot */
  installed?: string[];
}

/** Install package `pkg` of `pkgsDb` from downloaded files (file id -> path), as provd would. */
export async function installPackage(pkgsDb: string, pkg: string, files: Record<string, string>, pythonPath?: string): Promise<InstallOutcome> {
  const scratch = await mkdtemp(join(tmpdir(), 'provd-fw-install-'));
  try {
    return await runPkgsDbScript<InstallOutcome>({ op: 'install', pkgsDb, pkg, files, scratch }, pythonPath);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
