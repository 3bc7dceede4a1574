/**
 * What a test task leaves: one record per project, `<distDir>/.provd/test/<project>.json`
 * (the task's cached output, restored by Nx on a cache hit), and for a model whose test
 * passed, `<distDir>/.provd/tested/<sha1>.json` too: the SHA-1 of the package it tested,
 * which promote looks up before it moves those bytes (promote-gate.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, posix, resolve } from 'node:path';
import type { PytestCounts } from '../pytest/pytest';
import type { SmokeResult } from '../smoke/smoke';

/** What a record keeps of the smoke test: counts, snapshot changes, errors (not every device). */
export type SmokeSummary = Pick<SmokeResult, 'devices' | 'files' | 'written' | 'changed' | 'obsolete' | 'errors'>;

export interface TestRecord {
  /** the Nx project: a plugin id, or <family>/<folder> for a shared folder */
  project: string;
  kind: 'model' | 'shared';
  ok: boolean;
  /** models: the package tested */
  pluginId?: string;
  version?: string;
  sha1?: string;
  package?: string;
  pytest: { folders: string[]; files: string[]; counts: PytestCounts; problems: string[] } | 'skipped';
  smoke?: SmokeSummary | 'skipped';
  /** what stopped the test before its parts ran (provd missing, no package) */
  problems: string[];
}

const TEST_DIR = '.provd/test';
const TESTED_DIR = '.provd/tested';

/** Workspace-relative record of a project (the test target's cached output). */
export function recordPath(distDir: string, project: string): string {
  return posix.join(distDir, TEST_DIR, `${project}.json`);
}

export function testedPath(distDir: string, sha1: string): string {
  return posix.join(distDir, TESTED_DIR, `${sha1}.json`);
}

export function writeRecord(workspaceRoot: string, distDir: string, record: TestRecord): void {
  writeJson(resolve(workspaceRoot, recordPath(distDir, record.project)), record);
  if (record.ok && record.kind === 'model' && record.sha1) writeJson(resolve(workspaceRoot, testedPath(distDir, record.sha1)), record);
}

export function removeRecord(workspaceRoot: string, distDir: string, project: string): void {
  rmSync(resolve(workspaceRoot, recordPath(distDir, project)), { force: true });
}

export function readRecord(workspaceRoot: string, distDir: string, project: string): TestRecord | undefined {
  return readJson(resolve(workspaceRoot, recordPath(distDir, project)));
}

/**
 * The record of a passing test of `pluginId` on exactly the package with this SHA-1: the one
 * kept by SHA-1, or the project's latest record (what a cache hit restores).
 */
export function findPass(workspaceRoot: string, distDir: string, pluginId: string, sha1: string): TestRecord | undefined {
  for (const r of [readJson(resolve(workspaceRoot, testedPath(distDir, sha1))), readRecord(workspaceRoot, distDir, pluginId)]) {
    if (r?.ok && r.kind === 'model' && r.pluginId === pluginId && r.sha1 === sha1) return r;
  }
  return undefined;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

function readJson(file: string): TestRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TestRecord;
  } catch {
    return undefined;
  }
}

