/**
 * The test of one project, Nx-free: a model's own pytest tests, then its built package in the
 * real provd (smoke test and snapshots, ../smoke/); a shared folder's pytest tests. The record
 * is written whatever the outcome (the summary reads it); only a pass names the package's
 * SHA-1 for promote.
 */
import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { sha1File } from '../package/read';
import { packageFileName } from '../format/package-name';
import { formatCounts, runPytest, testFolders } from '../pytest/pytest';
import { smokeTest } from '../smoke/smoke';
import { checkProvdPython } from '../smoke/provd-python';
import { checkFamilyFirmware, formatProblem, PKGS_DB } from '../firmware/offline';
import { removeRecord, TestRecord, writeRecord } from './record';

export interface ProjectTestRequest {
  workspaceRoot: string;
  pluginsDir: string;
  distDir: string;
  /** the Nx project name (plugin id or <family>/<folder>) */
  project: string;
  kind: 'model' | 'shared';
  /** workspace-relative family and project folders */
  familyRoot: string;
  folder: string;
  /** models: the version whose package is tested (plugin-info now) */
  version?: string;
  pythonPath?: string;
  timeoutMs: number;
  update: boolean;
  ci: boolean;
  skipPytest?: boolean;
  skipSmoke?: boolean;
  log: (line: string) => void;
  error: (line: string) => void;
}

/** CI=true (or 1) as jest and vitest read it: snapshots are never written there. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

export async function testProject(req: ProjectTestRequest): Promise<TestRecord> {
  const { project, log, error } = req;
  removeRecord(req.workspaceRoot, req.distDir, project);
  const record: TestRecord = { project, kind: req.kind, ok: false, pytest: 'skipped', problems: [] };
  const done = (): TestRecord => {
    record.ok = record.problems.length === 0 && (record.pytest === 'skipped' || record.pytest.problems.length === 0) &&
      (record.smoke === undefined || record.smoke === 'skipped' || record.smoke.errors.length === 0);
    writeRecord(req.workspaceRoot, req.distDir, record);
    return record;
  };
  const started = Date.now();
  const folder = posix.join(req.familyRoot, req.folder);
  const runsPytest = !req.skipPytest && testFolders(req.workspaceRoot, [folder]).length > 0;
  const runsSmoke = req.kind === 'model' && !req.skipSmoke;
  let python: string | undefined;
  if (runsPytest || runsSmoke) {
    const provd = checkProvdPython(req.pythonPath, { pytest: runsPytest });
    if (!provd.ok) {
      error(`error: ${project}: ${provd.message}`);
      record.problems.push(provd.message);
      return done();
    }
    python = provd.python;
  }

  if (runsPytest) {
    const result = await runPytest({
      workspaceRoot: req.workspaceRoot,
      pluginsDir: req.pluginsDir,
      projectFolders: [folder],
      pythonPath: req.pythonPath,
      python,
      timeoutMs: req.timeoutMs,
    });
    record.pytest = { folders: result.folders, files: result.files, counts: result.counts, problems: result.problems };
    if (result.ok) log(`${project}: pytest ${formatCounts(result.counts)} (${result.folders.join(', ')})`);
    else {
      const counts = formatCounts(result.counts);
      error(`error: ${project}: pytest failed in ${result.folders.join(', ')}${result.collected || counts !== 'no tests' ? `: ${counts}` : ''}`);
      for (const p of result.problems) error(`  ${p}`);
      if (result.output.trim()) error(result.output.trimEnd());
    }
  } else if (!req.skipPytest) {
    record.pytest = { folders: [], files: [], counts: { passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0 }, problems: [] };
  }

  // the model's pkgs.db as provd's xivo-fetchfw reads it, offline (check-firmware's first step);
  // the whole family is read: one file name never maps to two checksums across its models
  const pkgsDb = posix.join(folder, PKGS_DB);
  if (req.kind === 'model' && existsSync(resolve(req.workspaceRoot, pkgsDb))) {
    try {
      const problems = (await checkFamilyFirmware(resolve(req.workspaceRoot, req.familyRoot), { pythonPath: req.pythonPath, root: req.workspaceRoot }))
        .filter((p) => p.file === pkgsDb);
      if (problems.length === 0) log(`${project}: ${pkgsDb} reads clean (offline firmware checks)`);
      for (const p of problems) {
        record.problems.push(formatProblem(p));
        error(`error: ${project}: ${formatProblem(p)}`);
      }
    } catch (e) {
      record.problems.push(`${pkgsDb}: ${(e as Error).message}`);
      error(`error: ${project}: ${pkgsDb}: ${(e as Error).message}`);
    }
  }

  if (req.kind === 'model') {
    if (!runsSmoke) {
      record.smoke = 'skipped';
    } else {
      const pluginId = project;
      const version = req.version!;
      let packageFile: string;
      try {
        packageFile = resolve(req.workspaceRoot, req.distDir, 'packages', packageFileName(pluginId, version));
      } catch (e) {
        record.problems.push((e as Error).message);
        error(`error: ${project}: ${(e as Error).message}`);
        return done();
      }
      if (!existsSync(packageFile)) {
        const m = `${posix.join(req.distDir, 'packages', packageFileName(pluginId, version))} does not exist: build ${pluginId} first (nx run ${pluginId}:build)`;
        record.problems.push(m);
        error(`error: ${project}: ${m}`);
        return done();
      }
      Object.assign(record, { pluginId, version, package: posix.join(req.distDir, 'packages', packageFileName(pluginId, version)), sha1: await sha1File(packageFile) });
      // what pytest used of the model's time is not given to provd again
      const left = Math.max(1000, req.timeoutMs - (Date.now() - started));
      const smoke = await smokeTest({
        pluginId,
        packageFile,
        modelDir: resolve(req.workspaceRoot, folder),
        familyDir: resolve(req.workspaceRoot, req.familyRoot),
        pythonPath: req.pythonPath,
        timeoutMs: left,
        update: req.update,
        ci: req.ci,
      }).catch((e: Error) => ({ ok: false, devices: 0, files: 0, written: [], changed: [], obsolete: [], errors: [`${pluginId}: ${e.message}`] }));
      record.smoke = { devices: smoke.devices, files: smoke.files, written: smoke.written, changed: smoke.changed, obsolete: smoke.obsolete, errors: smoke.errors };
      const snap = [
        smoke.written.length ? `${smoke.written.length} snapshot(s) written` : '',
        smoke.changed.length && smoke.ok ? `${smoke.changed.length} updated` : '',
        smoke.obsolete.length ? `${smoke.obsolete.length} obsolete: ${smoke.obsolete.join(', ')}` : '',
      ].filter(Boolean).join(', ');
      if (smoke.errors.length === 0) {
        log(`${project}: provd installed ${pluginId} ${version}, ${smoke.devices} device(s), ${smoke.files} file(s): ${snap || 'snapshots match'}`);
      } else {
        error(`error: ${project}: provd smoke test of ${pluginId} ${version} failed (${smoke.devices} device(s), ${smoke.files} file(s))`);
        for (const e of smoke.errors) error(e);
        if (snap) error(`  ${snap}`);
      }
    }
  }
  return done();
}
