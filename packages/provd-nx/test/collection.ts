/**
 * Synthetic plugin families, for specs and benchmarks: build.py in the style of
 * real recipes (common/ then the model folder), plugin-info, entry.py,
 * templates, pkgs/pkgs.db.
 */
import { xorshift32 as rng } from './seeded-random';

export interface ModelSpec {
  folder: string;
  pluginId: string;
  /** shared folders copied before the model folder, in order (default ['common']) */
  shared?: string[];
  version?: string;
}

export interface FamilySpec {
  name: string;
  models: ModelSpec[];
  /** realistic file sizes (templates 5-50 KB, some binaries up to 1 MB) instead of tiny files */
  realistic?: boolean;
  seed?: number;
}

export type Files = Record<string, string | Buffer>;

function text(random: () => number, bytes: number, label: string): string {
  const lines: string[] = [];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const line = `<!-- ${label} --> <setting name="param_${i}" value="{{ line_${i % 7}.value }}" weight="${Math.floor(random() * 1e6)}"/>`;
    lines.push(line);
    size += line.length + 1;
    i++;
  }
  return lines.join('\n') + '\n';
}

export function pluginInfo(description: string, version = '0.1.0', extra: Record<string, unknown> = {}): string {
  return (
    JSON.stringify(
      {
        version,
        description,
        capabilities: { [`Vendor, ${description}, 1.0`]: { 'sip.lines': 2, 'telephony.type': 'deskphone' } },
        ...extra,
      },
      null,
      4
    ) + '\n'
  );
}

export function familyFiles(spec: FamilySpec): Files {
  const random = rng(spec.seed ?? 42);
  const files: Files = {};
  const base = `plugins/${spec.name}`;
  const recipe = [
    '# generated family recipe',
    'from subprocess import check_call',
    '',
  ];
  const shared = new Set<string>();
  for (const m of spec.models) {
    const copies = [...(m.shared ?? ['common']), m.folder];
    (m.shared ?? ['common']).forEach((s) => shared.add(s));
    recipe.push(`@target(${JSON.stringify(m.folder)}, ${JSON.stringify(m.pluginId)})`);
    recipe.push(`def build_${m.folder.replace(/\W/g, '_')}(path):`);
    for (const c of copies) recipe.push(`    check_call(['rsync', '-rlp', '--exclude', '.*', '${c}/', path])`);
    recipe.push('');
    files[`${base}/${m.folder}/plugin-info`] = pluginInfo(`${spec.name} ${m.folder}`, m.version ?? '0.1.0');
    files[`${base}/${m.folder}/entry.py`] =
      `common = {}\nexecfile_('common.py', common)\n\nclass Plugin(common['BasePlugin']):\n    IS_PLUGIN = True\n    MODEL = ${JSON.stringify(m.folder)}\n`;
    const templateSize = spec.realistic ? 5_000 + Math.floor(random() * 45_000) : 200;
    files[`${base}/${m.folder}/templates/model.tpl`] = text(random, templateSize, `${spec.name}/${m.folder}`);
    files[`${base}/${m.folder}/pkgs/pkgs.db`] = `[pkg_${m.folder}-fw]\ndescription = Firmware for ${m.folder}\nversion = 1.0\nfiles = fw.bin\ninstall = fw\n`;
    if (spec.realistic && random() < 0.2) {
      const size = 100_000 + Math.floor(random() * 900_000);
      const buf = Buffer.alloc(Math.ceil(size / 4) * 4);
      for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(Math.floor(random() * 0xffffffff), i);
      files[`${base}/${m.folder}/firmware/blob.bin`] = buf.subarray(0, size);
    }
  }
  for (const s of shared) {
    files[`${base}/${s}/common.py`] = `class BasePlugin(object):\n    IS_PLUGIN = False\n    SHARED = ${JSON.stringify(s)}\n`;
    files[`${base}/${s}/templates/base.tpl`] = text(random, spec.realistic ? 5_000 + Math.floor(random() * 45_000) : 200, `${spec.name}/${s}`);
  }
  files[`${base}/build.py`] = recipe.join('\n');
  return files;
}

/** `families` families sharing `models` models round-robin, as in the benchmarks. */
export function collectionFiles(families: number, models: number, realistic = false): Files {
  const specs: FamilySpec[] = Array.from({ length: families }, (_, f) => ({
    name: `xivo-gen${String(f).padStart(2, '0')}`,
    models: [],
    realistic,
    seed: f + 1,
  }));
  for (let i = 0; i < models; i++) {
    const spec = specs[i % families];
    const n = spec.models.length;
    spec.models.push({
      folder: `${n + 1}.0.${i}`,
      pluginId: `${spec.name}-${n + 1}.0.${i}`,
      shared: n % 3 === 2 ? ['common', 'common_c'] : ['common'],
    });
  }
  return Object.assign({}, ...specs.map(familyFiles));
}
