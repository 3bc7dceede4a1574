/**
 * A generated collection shaped like the Wazo one (wazo-provd-plugins): 22
 * families (the top-level folders of its plugins/), 114 targets, about 21 MB of
 * sources. What the generator copies from the real collection, family by family:
 * how many models each has, which shared folders it keeps (common/, a second one
 * such as common_c/ for some models), which models copy the shared folder and
 * which carry their own common.py over it (9 of 9 Yealink-like models copy
 * common/, 6 of them override common.py), pytest tests/ folders (20 test files in
 * all), pkgs.db firmware lists from a few to 80 KB, language files under
 * var/tftpboot, a few binary files, and three kinds of recipe:
 *
 * - rsync: copy common/ then the model folder (most families; replayed natively);
 * - sed loop: per phone model, `sed s/#MODEL#/.../` of a shared template into the
 *   plugin (`check_call([...sed...], stdout=f)`, the Snom style; replayed natively);
 * - python: the recipe writes into the plugin from Python (generated per-phone
 *   templates with open().write, shutil.copy, os.rename), so python3 runs it.
 *
 * Chosen proportion (not measured on the real collection, which is not here): 3 of
 * 22 families, 22 of 114 targets (19%), have Python-writing recipes; 20 targets
 * (the Snom-like family) use sed loops; 72 plain rsync. Above 114 models the 22
 * families repeat (suffix -r2, -r3...); below, the first families in BLUEPRINT
 * order are taken (Yealink-, Aastra- and Snom-like first, so a small collection
 * still has all three kinds).
 */
import type { Files } from '../packages/provd-nx/test/collection';
import { xorshift32 as rng } from '../packages/provd-nx/test/seeded-random';

type Recipe = 'rsync' | 'sed-loop' | 'python';

interface FamilyShape {
  vendor: string;
  models: number;
  /** shared folders; the second one, if any, is overlaid for one model in three */
  shared: string[];
  /** models that carry their own common.py (over the shared one, or instead of it) */
  overrides: number;
  /** models whose own common.py replaces the shared folder (they do not copy it) */
  standalone?: number;
  /** models with tests/ (conftest.py + test_common.py) */
  tests?: number;
  recipe: Recipe;
  /** language files under var/tftpboot/lang per model */
  lang?: number;
  /** firmware entries in each model's pkgs.db (about 420 bytes each) */
  pkgs: number;
  /** binary files (images, ring tones) per model, KB each */
  binaryKB?: number[];
  /** phone models per plugin (templates, capabilities) */
  phones: number;
}

/** The 22 top-level folders of the real plugins/, as shapes (sums: 114 models, 20 test files). */
export const BLUEPRINT: FamilyShape[] = [
  { vendor: 'yealink', models: 9, shared: ['common'], overrides: 6, tests: 5, recipe: 'rsync', lang: 6, pkgs: 16, phones: 8 },
  { vendor: 'aastra', models: 8, shared: ['common'], overrides: 0, recipe: 'python', pkgs: 10, phones: 6, lang: 2 },
  { vendor: 'snom', models: 20, shared: ['common'], overrides: 0, recipe: 'sed-loop', pkgs: 12, phones: 8 },
  { vendor: 'gigaset', models: 8, shared: ['common', 'common-c'], overrides: 5, standalone: 5, tests: 3, recipe: 'rsync', pkgs: 6, phones: 3 },
  { vendor: 'polycom', models: 11, shared: ['common', 'common-v3'], overrides: 0, recipe: 'python', pkgs: 60, phones: 10, binaryKB: [240, 110] },
  { vendor: 'cisco-sip', models: 7, shared: ['common'], overrides: 3, recipe: 'rsync', pkgs: 170, phones: 6, binaryKB: [120] },
  { vendor: 'grandstream', models: 14, shared: ['common', 'common_ata'], overrides: 0, recipe: 'rsync', pkgs: 8, phones: 4 },
  { vendor: 'fanvil', models: 4, shared: ['common'], overrides: 1, tests: 2, recipe: 'rsync', pkgs: 14, phones: 10, lang: 3 },
  { vendor: 'cisco-sccp', models: 3, shared: ['common'], overrides: 0, recipe: 'python', pkgs: 40, phones: 8, binaryKB: [250] },
  { vendor: 'cisco-spa', models: 4, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 20, phones: 3 },
  { vendor: 'alcatel', models: 3, shared: [], overrides: 3, recipe: 'rsync', pkgs: 6, phones: 4, lang: 4 },
  { vendor: 'htek', models: 3, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 10, phones: 8, lang: 2 },
  { vendor: 'mitel', models: 5, shared: ['common'], overrides: 1, recipe: 'rsync', pkgs: 8, phones: 5 },
  { vendor: 'technicolor', models: 3, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 6, phones: 2 },
  { vendor: 'patton', models: 2, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 4, phones: 6 },
  { vendor: 'digium', models: 2, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 6, phones: 4, binaryKB: [60] },
  { vendor: 'zenitel', models: 2, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 4, phones: 2 },
  { vendor: 'core', models: 2, shared: [], overrides: 0, recipe: 'rsync', pkgs: 0, phones: 1 },
  { vendor: 'avaya', models: 1, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 4, phones: 2 },
  { vendor: 'panasonic', models: 1, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 6, phones: 3 },
  { vendor: 'jitsi', models: 1, shared: [], overrides: 0, recipe: 'rsync', pkgs: 2, phones: 1 },
  { vendor: 'cisco-pap', models: 1, shared: ['common'], overrides: 0, recipe: 'rsync', pkgs: 4, phones: 1 },
];

/** What the issue gives of the real collection (the rest is not known here). */
export const REAL_SHAPE = {
  folders: 22,
  targets: 114,
  mb: 21,
  yealinkCopyCommon: '9 of 9',
  yealinkOverride: '6 of 9',
  testFiles: 20,
};

/** Phone-config-like text: compresses about as well as real templates. */
function text(random: () => number, bytes: number, label: string): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line =
      i % 9 === 0
        ? `{% if line_${i % 7} %}# ${label} section ${i}{% endif %}`
        : `${label}.param_${i} = {{ XX_${i % 13}|d('${Math.floor(random() * 1e5)}') }}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

function python(random: () => number, bytes: number, label: string): string {
  const parts = [`# -*- coding: utf-8 -*-\n# ${label}\nimport os\nimport re\n\n\nclass Base${label.replace(/\W/g, '')}Plugin(object):\n    IS_PLUGIN = False\n`];
  for (let i = 0, size = parts[0].length; size < bytes; i++) {
    const f =
      `\n    def _add_${i}(self, raw_config, device):\n        value = raw_config.get('X_${i}', ${Math.floor(random() * 1e4)})\n` +
      `        if value and re.match(r'^[0-9a-f]{${(i % 12) + 1}}$', str(value)):\n            raw_config['XX_${i}'] = value\n        return device.get('model') == 'M${i % 17}'\n`;
    parts.push(f);
    size += f.length;
  }
  return parts.join('');
}

/** Language-file-like text (key = translation). */
function lang(random: () => number, bytes: number): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = `T${i}=${['Appel', 'Renvoi', 'Messagerie', 'Annuaire', 'Transfert', 'Conférence'][i % 6]} ${Math.floor(random() * 1e3)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** Image-like bytes: bzip2 saves little. */
function binary(random: () => number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = i % 4 === 0 ? (i >> 8) & 0xff : Math.floor(random() * 256);
  return buf;
}

function pkgsDb(random: () => number, entries: number, vendor: string): string {
  const parts: string[] = [];
  for (let i = 0; i < entries; i++) {
    const v = `${Math.floor(random() * 100)}.${Math.floor(random() * 90)}.0.${i}`;
    parts.push(
      `[pkg_${vendor}-${i}-fw]\ndescription: Firmware for ${vendor} model ${i}\ndescription_fr: Micrologiciel pour ${vendor} modèle ${i}\n` +
        `version: ${v}\nfiles: ${vendor}-${i}-fw\ninstall: ${vendor}-fw\n\n` +
        `[file_${vendor}-${i}-fw]\nfilename: ${vendor.toUpperCase()}-${i}-${v}.rom\nurl: http://firmware.example.invalid/${vendor}/${vendor.toUpperCase()}-${i}-${v}.rom\n` +
        `size: ${Math.floor(random() * 5e7)}\nsha1sum: ${Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('')}\n`
    );
  }
  return (entries ? `[install_${vendor}-fw]\na-b: cp *.rom firmware/\n\n` : '') + parts.join('\n');
}

export interface WazoFamily {
  name: string;
  models: string[];
  /** model folder per plugin id */
  folders: Record<string, string>;
  recipe: Recipe;
  shared: string[];
  /** plugin ids of models that carry their own common.py */
  overriding: string[];
}

export interface WazoCollection {
  files: Files;
  families: WazoFamily[];
}

/** `models` models in Wazo-shaped families (114: the real collection's shape). */
export function wazoCollection(models = 114): WazoCollection {
  const files: Files = {};
  const families: WazoFamily[] = [];
  let left = models;
  for (let round = 1, f = 0; left > 0; f++) {
    if (f === BLUEPRINT.length) {
      f = 0;
      round++;
    }
    const shape = BLUEPRINT[f];
    const n = Math.min(shape.models, left);
    left -= n;
    families.push(family(files, shape, n, round));
  }
  return { files, families };
}

function family(files: Files, shape: FamilyShape, n: number, round: number): WazoFamily {
  const random = rng(7919 * round + shape.vendor.length * 131 + shape.models);
  const name = `wazo-${shape.vendor}${round > 1 ? `-r${round}` : ''}`;
  const base = `plugins/${name}`;
  const result: WazoFamily = { name, models: [], folders: {}, recipe: shape.recipe, shared: shape.shared, overriding: [] };
  const className = `Base${shape.vendor.replace(/\W/g, '')}Plugin`;

  for (const shared of shape.shared) {
    const dir = `${base}/${shared}`;
    files[`${dir}/common.py`] = python(random, 35_000 + Math.floor(random() * 30_000), `${shape.vendor}_${shared}`);
    const tpls = shared === 'common' ? 6 + Math.floor(random() * 8) : 3;
    for (let t = 0; t < tpls; t++) files[`${dir}/templates/${t === 0 ? 'base' : `part${t}`}.tpl`] = text(random, 3_000 + Math.floor(random() * 12_000), `${shape.vendor}_${t}`);
    if (shape.recipe === 'sed-loop' || shape.recipe === 'python') {
      files[`${dir}/templates/common/model.xml.tpl.btpl`] = text(random, 4_000, `#MODEL#`);
      files[`${dir}/templates/common/model.htm.tpl.btpl`] = text(random, 2_500, `#MODEL#_htm`);
    }
    files[`${dir}/var/tftpboot/Local.cfg`] = text(random, 2_000, `${shape.vendor}_local`);
  }

  const ids: string[] = [];
  const entries: string[] = [];
  for (let m = 0; m < n; m++) {
    const folder = `${m + 1}.${(m * 7) % 10}.${10 + m * 3}`;
    const id = `${name}-${folder}`;
    ids.push(id);
    result.folders[id] = folder;
    const dir = `${base}/${folder}`;
    const phones = Array.from({ length: shape.phones }, (_, p) => `${shape.vendor.slice(0, 1).toUpperCase()}${100 + p * 10 + m}`);
    files[`${dir}/plugin-info`] =
      JSON.stringify(
        {
          version: `0.${(m % 5) + 1}`,
          description: `Plugin for ${shape.vendor} ${phones.join(', ')} in version ${folder}.`,
          description_fr: `Greffon pour ${shape.vendor} ${phones.join(', ')} en version ${folder}.`,
          capabilities: Object.fromEntries(phones.map((p) => [`${shape.vendor}, ${p}, ${folder}`, { 'sip.lines': 2 + (m % 6), 'telephony.type': 'deskphone' }])),
        },
        null,
        4
      ) + '\n';
    const overrides = m < shape.overrides;
    const standalone = m < (shape.standalone ?? 0) || shape.shared.length === 0;
    if (overrides || shape.shared.length === 0) {
      files[`${dir}/common.py`] = python(random, 25_000 + Math.floor(random() * 25_000), `${shape.vendor}_${folder}`);
      result.overriding.push(id);
    }
    files[`${dir}/entry.py`] =
      `common = {}\nexecfile_('common.py', common)\n\nMODEL_VERSIONS = {${phones.map((p) => `'${p}': '${folder}'`).join(', ')}}\n\n` +
      `class Plugin(common['${className}']):\n    IS_PLUGIN = True\n    _MODELS = MODEL_VERSIONS\n`;
    files[`${dir}/templates/base.tpl`] = text(random, 12_000 + Math.floor(random() * 26_000), `${shape.vendor}_${folder}`);
    for (const p of phones) files[`${dir}/templates/${p}.tpl`] = text(random, 2_000 + Math.floor(random() * 6_000), p);
    if (shape.pkgs) files[`${dir}/pkgs/pkgs.db`] = pkgsDb(random, shape.pkgs + Math.floor(random() * shape.pkgs * 0.3), shape.vendor);
    for (let l = 0; l < (shape.lang ?? 0); l++) files[`${dir}/var/tftpboot/lang/${String(l).padStart(3, '0')}.GUI.lang`] = lang(random, 20_000 + Math.floor(random() * 40_000));
    (shape.binaryKB ?? []).forEach((kb, i) => (files[`${dir}/var/tftpboot/res/image${i}.bin`] = binary(random, kb * 1024 + Math.floor(random() * 4096))));
    if (m < (shape.tests ?? 0)) {
      files[`${dir}/tests/conftest.py`] = `import pytest\n\n\n@pytest.fixture\ndef plugin():\n    return object()\n`;
      files[`${dir}/tests/test_common.py`] = python(random, 3_000, `test_${shape.vendor}`).replace(/^class .*$/m, 'class TestCommon(object):');
    }
    const overlay = shape.shared.length > 1 && m % 3 === 2;
    entries.push(`    (${JSON.stringify(folder)}, ${JSON.stringify(id)}, ${standalone ? 'False' : 'True'}, ${overlay ? 'True' : 'False'}, ${JSON.stringify(phones)}),`);
  }
  result.models = ids;
  files[`${base}/build.py`] = recipe(shape, entries);
  return result;
}

/** build.py in the family's style: targets declared in a loop through a helper. */
function recipe(shape: FamilyShape, entries: string[]): string {
  const [first, second] = shape.shared;
  const rsync = (src: string, extra = '', indent = 8) => `${' '.repeat(indent)}check_call(['rsync', '-rlp', '--exclude', '.*'${extra}, ${src}, path])`;
  const body: string[] = [];
  if (first) body.push('        if copy_shared:', rsync(`'${first}/'`, ", '--exclude', '*.btpl'", 12));
  if (second) body.push('        if overlay:', rsync(`'${second}/'`, ", '--exclude', '*.btpl'", 12));
  if (shape.recipe === 'sed-loop') {
    body.push(
      '        for model in phones:',
      "            for kind in ('xml', 'htm'):",
      "                out = os.path.join(path, 'templates', 'common', '%s.%s.tpl' % (model, kind))",
      "                with open(out, 'wb') as f:",
      "                    check_call(['sed', 's/#MODEL#/%s/' % model, 'common/templates/common/model.%s.tpl.btpl' % kind], stdout=f)"
    );
  }
  if (shape.recipe === 'python') {
    body.push(
      "        generated = os.path.join(path, 'templates', 'common')",
      '        if not os.path.isdir(generated):',
      '            os.makedirs(generated)',
      "        with open('common/templates/common/model.xml.tpl.btpl') as f:",
      '            base = f.read()',
      '        for model in phones:',
      "            with open(os.path.join(generated, '%s.xml.tpl' % model), 'w') as f:",
      "                f.write(base.replace('#MODEL#', model))",
      "        shutil.copy('common/templates/common/model.htm.tpl.btpl', os.path.join(generated, 'model.htm.tmp'))",
      "        os.rename(os.path.join(generated, 'model.htm.tmp'), os.path.join(generated, 'model.htm.tpl'))"
    );
  }
  body.push(rsync("folder + '/'"));
  return [
    '# -*- coding: utf-8 -*-',
    `# Build recipe of the ${shape.vendor} family (generated for the benchmark, Wazo-shaped).`,
    '',
    'import os.path',
    'import shutil',
    'from subprocess import check_call',
    '',
    '# (folder, plugin id, copies the shared folder, overlay of the second one, phone models)',
    'MODELS = [',
    ...entries,
    ']',
    '',
    '',
    'def _make_target(folder, plugin_id, copy_shared, overlay, phones):',
    '    @target(folder, plugin_id)',
    '    def build(path):',
    ...body,
    '    return build',
    '',
    '',
    'for _args in MODELS:',
    '    _make_target(*_args)',
    '',
  ].join('\n');
}

/** The generated collection's shape, measured from its files: what the benchmark prints beside the real one. */
export function collectionShape(c: WazoCollection) {
  const paths = Object.keys(c.files);
  const bytes = (p: string) => (typeof c.files[p] === 'string' ? Buffer.byteLength(c.files[p] as string) : (c.files[p] as Buffer).length);
  const total = paths.reduce((n, p) => n + bytes(p), 0);
  const models = c.families.flatMap((f) => f.models.map((id) => `plugins/${f.name}/${f.folders[id]}/`));
  const inModels = paths.filter((p) => models.some((m) => p.startsWith(m)));
  const yealink = c.families.find((f) => f.name === 'wazo-yealink');
  const targets = models.length;
  const count = (r: Recipe) => c.families.filter((f) => f.recipe === r).reduce((n, f) => n + f.models.length, 0);
  return {
    folders: c.families.length,
    targets,
    mb: total / 1e6,
    filesPerModel: inModels.length / targets,
    kbPerModel: inModels.reduce((n, p) => n + bytes(p), 0) / targets / 1e3,
    sharedPerFamily: c.families.reduce((n, f) => n + f.shared.length, 0) / c.families.length,
    overriding: c.families.reduce((n, f) => n + f.overriding.length, 0),
    yealinkCopyCommon: yealink ? `${yealink.models.length} of ${yealink.models.length}` : '-',
    yealinkOverride: yealink ? `${yealink.overriding.length} of ${yealink.models.length}` : '-',
    testFiles: paths.filter((p) => /\/tests\/[^/]+\.py$/.test(p)).length,
    native: count('rsync') + count('sed-loop'),
    sedLoop: count('sed-loop'),
    python3: count('python'),
    largestPkgsDbKB: Math.max(0, ...paths.filter((p) => p.endsWith('/pkgs.db')).map((p) => bytes(p) / 1e3)),
  };
}
