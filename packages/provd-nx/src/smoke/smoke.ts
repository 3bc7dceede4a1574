/**
 * The smoke test of one model in the real provd: smoke.py installs the built package through a
 * one-package channel, loads it, runs configure_common and configures a device for every
 * declared capability and every custom device of provd-test.json; what the plugin wrote is
 * compared with the model's snapshots. A hang is killed with its whole process group; the work
 * folder is removed whatever happens.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkProvdPython } from './provd-python';
import { provdPythonEnv } from '../runtime/provd-python-path';
import { runInProcessGroup } from '../runtime/process-group';
import { ProvdTestError, ProvdTestFile, readProvdTest } from './provd-test';
import { COMMON_SNAPSHOTS, compareSnapshots } from './snapshots';

export const SMOKE_SCRIPT = join(__dirname, 'smoke.py');
export const DEFAULT_SMOKE_TIMEOUT_MS = 120_000;

export interface SmokeOptions {
  pluginId: string;
  /** the built <id>-<version>.tar.bz2 */
  packageFile: string;
  /** absolute: holds __provd__/ snapshots and an optional provd-test.json */
  modelDir: string;
  /** absolute: may hold a provd-test.json for every model of the family */
  familyDir: string;
  /** folder holding wazo_provd and its dependencies; undefined: whatever python3 imports */
  pythonPath?: string;
  /** per model; a hang is killed and reported (default 120 000) */
  timeoutMs: number;
  /** (re)write snapshots, remove obsolete ones */
  update: boolean;
  /** CI=true: a missing snapshot fails and nothing is written */
  ci: boolean;
}

export interface SmokeDevice {
  name: string;
  vendor: string;
  model: string;
  version?: string;
  /** 'capability', or the provd-test.json that added it */
  source: string;
  mac?: string;
  ip?: string;
  /** generated files, paths in the plugin folder */
  files: string[];
  error?: string;
}

export interface SmokeResult {
  ok: boolean;
  /** devices configured (without error) */
  devices: number;
  /** generated files compared */
  files: number;
  /** snapshot files written (first run or --update), modelDir-relative (`__provd__/...`) */
  written: string[];
  /** snapshot files that differ (rewritten under --update) */
  changed: string[];
  /** snapshot files no device produced any more (reported; removed by --update) */
  obsolete: string[];
  /** clear messages naming the model, device and file; unified diffs on differences */
  errors: string[];
  /** every device tried, with its made-up MAC and IP and its files or error */
  deviceResults: SmokeDevice[];
  /** snapshot paths whose content had clock or random values redacted */
  redacted: string[];
  /** one line: `<id>: 3 devices, 5 files; written: 5 snapshots` */
  summary: string;
}

/** a generated file as smoke.py sends it: text, or base64 when it is not UTF-8 */
type GeneratedFile = { text?: string; base64?: string };

interface Reply {
  fatal?: string;
  noProvd?: boolean;
  pluginClass?: string;
  common: Record<string, GeneratedFile>;
  /** as SmokeDevice, with each generated file's content */
  devices: (Omit<SmokeDevice, 'files'> & { files?: Record<string, GeneratedFile> })[];
  errors: string[];
  redacted: string[];
}

export async function smokeTest(opts: SmokeOptions): Promise<SmokeResult> {
  const result: SmokeResult = { ok: false, devices: 0, files: 0, written: [], changed: [], obsolete: [], errors: [], deviceResults: [], redacted: [], summary: '' };
  const fail = (message: string) => {
    result.errors.push(message);
    result.summary = `${opts.pluginId}: failed`;
    return result;
  };
  const id = opts.pluginId;

  const python = checkProvdPython(opts.pythonPath, { pytest: false });
  if (!python.ok) return fail(`${id}: ${python.message}`);
  if (!existsSync(opts.packageFile)) return fail(`${id}: the package ${opts.packageFile} does not exist (build it first)`);

  const custom: { family?: ProvdTestFile; model?: ProvdTestFile } = {};
  try {
    custom.family = readProvdTest(opts.familyDir);
    if (resolve(opts.modelDir) !== resolve(opts.familyDir)) custom.model = readProvdTest(opts.modelDir);
  } catch (e) {
    if (e instanceof ProvdTestError) return fail(`${id}: ${e.message}`);
    throw e;
  }

  const work = mkdtempSync(join(tmpdir(), 'provd-smoke-'));
  let reply: Reply;
  try {
    const request = join(work, 'request.json');
    const replyFile = join(work, 'reply.json');
    const workDir = join(work, 'provd');
    writeFileSync(request, JSON.stringify({ pluginId: id, packageFile: resolve(opts.packageFile), workDir, custom }));
    mkdirSync(workDir);
    const run = await runInProcessGroup(python.python, [SMOKE_SCRIPT, request, replyFile], {
      env: { ...provdPythonEnv(opts.pythonPath), TZ: 'UTC', PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1', LC_ALL: 'C.UTF-8' },
      timeoutMs: opts.timeoutMs,
      capture: 'stderr',
      maxOutput: 64 * 1024,
    });
    if (run.spawnError) return fail(`${id}: cannot start ${python.python}: ${run.spawnError}`);
    if (run.timedOut) {
      return fail(`${id}: the smoke test in provd did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was killed (a plugin that hangs in load, configure_common or configure?)`);
    }
    if (!existsSync(replyFile)) {
      const tail = run.output.trim().split('\n').slice(-5).join('\n');
      return fail(`${id}: the smoke test in provd stopped without a result (exit ${run.code ?? run.signal})${tail ? `:\n${tail}` : ''}`);
    }
    reply = JSON.parse(readFileSync(replyFile, 'utf8'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (reply.fatal) return fail(`${id}: ${reply.fatal}`);

  const rendered = new Map<string, Buffer>();
  const failed = new Set<string>();
  const add = (prefix: string, files: Reply['common']) => {
    for (const [path, content] of Object.entries(files)) {
      rendered.set(`${prefix}/${path}`, content.base64 !== undefined ? Buffer.from(content.base64, 'base64') : Buffer.from(content.text ?? '', 'utf8'));
    }
  };
  add(COMMON_SNAPSHOTS, reply.common);
  for (const d of reply.devices) {
    const label = `${d.vendor}, ${d.model}${d.version ? `, ${d.version}` : ''}${d.source === 'capability' ? '' : `, from ${d.source}`}`;
    result.deviceResults.push({ name: d.name, vendor: d.vendor, model: d.model, version: d.version, source: d.source, mac: d.mac, ip: d.ip, files: Object.keys(d.files ?? {}), error: d.error });
    if (d.error) {
      failed.add(d.name);
      result.errors.push(`${id}: device ${d.name} (${label}): ${d.error}`);
      continue;
    }
    result.devices++;
    add(d.name, d.files ?? {});
  }
  result.errors.push(...reply.errors.map((e) => `${id}: ${e}`));
  if (reply.devices.length === 0) result.errors.push(`${id}: no device to configure: plugin-info declares no capability and no provd-test.json adds a device`);
  result.redacted = reply.redacted.map((r) => `__provd__/${r}`);

  const snapshots = compareSnapshots(id, opts.modelDir, rendered, failed, { update: opts.update, ci: opts.ci });
  result.files = snapshots.files;
  result.written = snapshots.written;
  result.changed = snapshots.changed;
  result.obsolete = snapshots.obsolete;
  result.errors.push(...snapshots.errors);
  result.ok = result.errors.length === 0;

  const parts = [`${result.devices} device${result.devices === 1 ? '' : 's'}`, `${result.files} file${result.files === 1 ? '' : 's'}`];
  if (result.written.length) parts.push(`written: ${result.written.length} snapshot${result.written.length === 1 ? '' : 's'}`);
  if (result.changed.length) parts.push(`changed: ${result.changed.length}`);
  if (result.obsolete.length) parts.push(`obsolete: ${result.obsolete.length}${opts.update ? ' (removed)' : ' (--update removes them)'}`);
  if (!result.ok) parts.push(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
  result.summary = `${id}: ${parts[0]}, ${parts.slice(1).join('; ')}`;
  return result;
}
