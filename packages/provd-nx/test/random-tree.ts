/**
 * Random plugin families for the fuzz spec: a build.py in the style of real recipes
 * (rsync of common/ then of the model folder, sometimes a sed/python step), over
 * random trees: unicode names (NFC and NFD, emoji), spaces, quotes, names up to
 * 255 bytes, deep paths, empty folders, modes, symlinks of every kind (inside,
 * dangling, loops, absolute, leaving the plugin, leaving the family), a plugin-info
 * that is a symlink, and now and then a folder the recipe copies that is itself a
 * symlink. Everything follows from one seed.
 *
 * Every symlink the generator makes is labelled with what it is, so the spec knows,
 * without asking our code, which packages the README's choices refuse.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { makeRng, type Rng } from './random-draws';
import { bytes, randomName, chunk } from './random-name';

export { makeRng, type Rng };

/**
 * What a symlink is, by construction: `inside` (resolves in the plugin), `dangling`
 * (names nothing, lexically inside), `loop` (never resolves), or one the README's
 * choices refuse: `absolute`, `escapes-plugin` (leaves the plugin folder, maybe through
 * another link of the tree), `escapes-family` (leaves the family folder).
 */
export type LinkKind = 'inside' | 'dangling' | 'loop' | 'absolute' | 'escapes-plugin' | 'escapes-family';
export const REFUSED_LINKS: ReadonlySet<LinkKind> = new Set(['absolute', 'escapes-plugin', 'escapes-family']);

export interface PlannedLink {
  /** where the generator made it: '<folder>/<rel>' in the family, or 'recipe' */
  source: string;
  /** its path in the plugin */
  rel: string;
  target: string;
  kind: LinkKind;
  /** its kind holds only if this other link (plugin path) is packaged too (the dot trick's 's -> .') */
  requires?: string;
}

export interface GeneratedFamily {
  name: string;
  /** workspace-relative */
  familyRoot: string;
  folder: string;
  targetId: string;
  pluginId: string;
  version: string;
  /** the recipe has a step that is not a plain rsync: our builder runs it under python3 */
  pythonStep: string | null;
  rsyncArgs: string[];
  links: PlannedLink[];
  /** folders the recipe copies that are symlinks leading out of the family (refused) */
  foldersLeavingFamily: string[];
  /** names (as latin-1) of files whose names are not UTF-8 */
  badNames: string[];
  /** the model's plugin-info is a symlink (its target) */
  pluginInfoLink: string | null;
  /** one line per entry made, for failure reports */
  listing: string[];
}

export interface GenerateOptions {
  /** longest path (bytes) a tree may hold below its folder, so every absolute path stays under PATH_MAX */
  maxRelBytes: number;
  /** the process runs as root (read-only folders are only made then: cleanup must be able to remove them) */
  root: boolean;
}

// ---------------------------------------------------------------------------------------------
// trees

type NodeKind = 'dir' | 'file' | 'link' | 'fifo';

interface Node {
  rel: string;
  kind: NodeKind;
  mode?: number;
  content?: Buffer;
  target?: string;
  linkKind?: LinkKind;
}

class Tree {
  readonly nodes = new Map<string, Node>([['', { rel: '', kind: 'dir', mode: 0o755 }]]);

  constructor(
    readonly folder: string,
    readonly maxRelBytes: number,
    /** entries of a folder copied before this one: names taken there are avoided unless overlaid on purpose */
    readonly under?: Tree,
  ) {}

  dirs(): Node[] {
    return [...this.nodes.values()].filter((n) => n.kind === 'dir');
  }

  targets(): Node[] {
    return [...this.nodes.values()].filter((n) => n.kind === 'dir' || n.kind === 'file');
  }

  /** A name not taken in `parent` (here or, unless `overlay`, in the folder below) that keeps the path in budget. */
  freshName(rng: Rng, parent: string, style?: 'long'): string | null {
    const room = this.maxRelBytes - (parent ? bytes(parent) + 1 : 0);
    if (room < 1) return null;
    for (let attempt = 0; attempt < 8; attempt++) {
      const name = randomName(rng, room, style);
      const rel = parent ? `${parent}/${name}` : name;
      if (!this.nodes.has(rel) && !this.under?.nodes.has(rel) && !(parent === '' && name === 'plugin-info')) return name;
    }
    return null;
  }

  add(node: Node): Node {
    this.nodes.set(node.rel, node);
    return node;
  }
}

const FILE_MODES = [0o644, 0o644, 0o600, 0o755, 0o700, 0o640, 0o750, 0o444, 0o555];
const DIR_MODES = [0o755, 0o755, 0o700, 0o750, 0o775];

function content(rng: Rng): Buffer {
  switch (rng.weighted([['text', 5], ['empty', 1], ['binary', 2]] as const)) {
    case 'empty':
      return Buffer.alloc(0);
    case 'binary':
      return Buffer.from(Array.from({ length: rng.int(1, 300) }, () => rng.int(0, 255)));
    default:
      return Buffer.from(`${chunk(rng)} ${rng.int(0, 1e6)}\n`.repeat(rng.int(1, 8)));
  }
}

function depthOf(rel: string): number {
  return rel === '' ? 0 : rel.split('/').length;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

function join2(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

/** Folders, files, a deep chain now and then, and overlays of the folder below (same type, or a file/folder swap). */
function growTree(rng: Rng, tree: Tree, opts: GenerateOptions): void {
  const dirModes = opts.root ? [...DIR_MODES, 0o555] : DIR_MODES;
  for (let i = rng.int(0, 10); i > 0; i--) {
    const dirs = tree.dirs();
    // deeper folders a little more often, so paths grow
    const parent = rng.chance(0.5) ? dirs[dirs.length - 1] : rng.pick(dirs);
    const name = tree.freshName(rng, parent.rel);
    if (name === null) continue;
    const rel = join2(parent.rel, name);
    if (rng.chance(0.35)) tree.add({ rel, kind: 'dir', mode: rng.pick(dirModes) });
    else tree.add({ rel, kind: 'file', mode: rng.pick(FILE_MODES), content: content(rng) });
  }
  if (rng.chance(0.2)) {
    // a deep chain of long names, close to the path budget
    let parent = rng.pick(tree.dirs()).rel;
    const want = rng.int(Math.min(800, tree.maxRelBytes), tree.maxRelBytes);
    while (bytes(parent) < want - 300) {
      const name = tree.freshName(rng, parent, rng.chance(0.7) ? 'long' : undefined);
      if (name === null) break;
      parent = join2(parent, name);
      tree.add({ rel: parent, kind: 'dir', mode: rng.pick(dirModes) });
    }
    const name = tree.freshName(rng, parent, 'long');
    if (name !== null) tree.add({ rel: join2(parent, name), kind: 'file', mode: rng.pick(FILE_MODES), content: content(rng) });
  }
  if (tree.under && rng.chance(0.4)) {
    // overlays: the same path in this folder, copied after the one below
    const below = [...tree.under.nodes.values()].filter((n) => n.rel !== '' && (n.kind === 'file' || n.kind === 'dir'));
    for (let i = rng.int(1, 3); i > 0 && below.length; i--) {
      const n = rng.pick(below);
      // parents must be plain folders here too (they are folders below)
      let ok = true;
      for (let p = parentOf(n.rel); p !== ''; p = parentOf(p)) {
        const mine = tree.nodes.get(p);
        if (mine && mine.kind !== 'dir') ok = false;
      }
      if (!ok || tree.nodes.has(n.rel)) continue;
      for (let p = parentOf(n.rel); p !== ''; p = parentOf(p)) if (!tree.nodes.has(p)) tree.add({ rel: p, kind: 'dir', mode: rng.pick(dirModes) });
      // mostly the same type; sometimes a file where a folder was, or a folder where a file was
      const swap = rng.chance(0.15);
      const kind = (n.kind === 'dir') !== swap ? 'dir' : 'file';
      if (kind === 'dir') tree.add({ rel: n.rel, kind: 'dir', mode: rng.pick(dirModes) });
      else tree.add({ rel: n.rel, kind: 'file', mode: rng.pick(FILE_MODES), content: content(rng) });
    }
  }
  if (rng.chance(0.03)) {
    const parent = rng.pick(tree.dirs()).rel;
    const name = tree.freshName(rng, parent);
    if (name !== null) tree.add({ rel: join2(parent, name), kind: 'fifo' });
  }
}

/** Relative path from folder `fromDir` to `to` (both tree-relative). */
function relativeTo(fromDir: string, to: string): string {
  const r = posix.relative(`/${fromDir}`, `/${to}`);
  return r === '' ? '.' : r;
}

/**
 * Symlinks of every kind (`hostile`: also those the README's choices refuse); targets are
 * composed through real folders only, so each label is exact.
 */
function addLinks(rng: Rng, tree: Tree, familyAbs: string, links: PlannedLink[], hostile: boolean): void {
  const plan = (rel: string, target: string, kind: LinkKind, requires?: string) => {
    // a link target is at most PATH_MAX - 1 bytes
    if (bytes(target) > 4000) [target, kind] = [`missing-${rel.length}`, 'dangling'];
    tree.add({ rel, kind: 'link', target, linkKind: kind });
    links.push({ source: `${tree.folder}/${rel}`, rel, target, kind, ...(requires ? { requires } : {}) });
  };
  for (let i = rng.weighted([[0, 2], [1, 3], [2, 3], [4, 2], [6, 1]] as const); i > 0; i--) {
    const parent = rng.pick(tree.dirs()).rel;
    const d = depthOf(parent);
    const name = tree.freshName(rng, parent);
    if (name === null) continue;
    const rel = join2(parent, name);
    const up = (n: number) => '../'.repeat(n);
    const h = hostile ? 1 : 0;
    const kind = rng.weighted([
      ['inside', 6], ['dangling', 2], ['self', 1], ['pair', 1], ['through', 1], ['absolute', 1.5 * h],
      ['escape-plugin', 1.5 * h], ['escape-family', 1.5 * h], ['dot-trick', 1 * h],
    ] as const);
    switch (kind) {
      case 'inside': {
        const to = rng.pick(tree.targets().filter((n) => n.rel !== rel));
        let target = relativeTo(parent, to.rel);
        if (rng.chance(0.2) && !target.startsWith('.')) target = `./${target}`;
        if (rng.chance(0.15) && to.kind === 'dir' && target !== '.') target += '/';
        plan(rel, target, 'inside');
        break;
      }
      case 'dangling':
        plan(rel, rng.chance(0.5) || d === 0 ? `missing-${randomName(rng, 40)}` : `${up(rng.int(1, d))}missing`, 'dangling');
        break;
      case 'self':
        plan(rel, rng.chance(0.5) ? name : `./${name}`, 'loop');
        break;
      case 'pair': {
        const other = tree.freshName(rng, parent);
        if (other === null) break;
        plan(rel, other, 'loop');
        plan(join2(parent, other), name, 'loop');
        break;
      }
      case 'through':
        // resolving it needs itself as a folder: ELOOP for the OS, lexically inside
        plan(rel, `${name}/${rng.chance(0.5) ? 'y' : '../' + name + '/z'}`, 'loop');
        break;
      case 'absolute':
        plan(rel, rng.pick(['/etc/hostname', '/nonexistent/x', '/', join(familyAbs, tree.folder), `/${name}`]), 'absolute');
        break;
      case 'escape-plugin':
        plan(rel, up(d + 1) + rng.pick(['', 'common', 'build.py', 'x', `${tree.folder}/plugin-info`]), 'escapes-plugin');
        break;
      case 'escape-family':
        plan(rel, up(d + 3) + rng.pick(['outside/secret.txt', 'outside/dir', 'outside/missing', '']), 'escapes-family');
        break;
      case 'dot-trick': {
        // s -> '.', x -> 's/../..': lexically inside, but the OS goes through s and leaves the plugin
        const s = tree.freshName(rng, parent);
        if (s === null) break;
        plan(join2(parent, s), '.', 'inside');
        plan(rel, `${s}/${up(d + 1)}${rng.pick(['', 'x', 'build.py'])}`, 'escapes-plugin', join2(parent, s));
        break;
      }
    }
  }
}

function writeTree(tree: Tree, folderAbs: string, mtime: number): void {
  mkdirSync(folderAbs, { recursive: true });
  const nodes = [...tree.nodes.values()].filter((n) => n.rel !== '');
  for (const n of nodes.filter((n) => n.kind === 'dir')) mkdirSync(join(folderAbs, n.rel), { recursive: true });
  for (const n of nodes) {
    const abs = join(folderAbs, n.rel);
    mkdirSync(join(folderAbs, parentOf(n.rel)), { recursive: true });
    if (n.kind === 'file') {
      writeFileSync(abs, n.content!);
      chmodSync(abs, n.mode!);
    } else if (n.kind === 'link') symlinkSync(n.target!, abs);
    else if (n.kind === 'fifo') execFileSync('mkfifo', [abs]);
  }
  // distinct mtimes per folder: rsync's quick check (same size and second: skip) must not decide overlays
  // in the reference either (our builder always overlays, a documented choice)
  for (const n of nodes) if (n.kind === 'file') utimesSync(join(folderAbs, n.rel), mtime, mtime);
  // folder modes last, deepest first (a read-only folder is filled before it becomes one)
  for (const n of nodes.filter((n) => n.kind === 'dir').sort((a, b) => depthOf(b.rel) - depthOf(a.rel))) chmodSync(join(folderAbs, n.rel), n.mode!);
}

function describeTree(tree: Tree): string[] {
  return [...tree.nodes.values()]
    .filter((n) => n.rel !== '')
    .sort((a, b) => (a.rel < b.rel ? -1 : 1))
    .map((n) => {
      const p = JSON.stringify(`${tree.folder}/${n.rel}`);
      if (n.kind === 'link') return `${p} -> ${JSON.stringify(n.target)} [${n.linkKind}]`;
      if (n.kind === 'file') return `${p} file ${n.mode!.toString(8)} ${n.content!.length} B`;
      return `${p} ${n.kind}${n.mode ? ' ' + n.mode.toString(8) : ''}`;
    });
}

const py = (s: string) => JSON.stringify(s); // a JSON string is a valid Python string literal

/**
 * Write one random family `plugins/<name>` (and `outside/`, a folder beside `plugins/`
 * that links may reach) under `workspace`.
 */
export function writeRandomFamily(rng: Rng, workspace: string, name: string, opts: GenerateOptions): GeneratedFamily {
  const familyRoot = `plugins/${name}`;
  const familyAbs = join(workspace, familyRoot);
  mkdirSync(join(workspace, 'outside', 'dir'), { recursive: true });
  writeFileSync(join(workspace, 'outside', 'secret.txt'), 'secret\n');
  writeFileSync(join(workspace, 'outside', 'plugin-info'), '{"version": "6.6.6", "description": "outside", "capabilities": {}}\n');

  // no ':' in the folder rsync is given: 'host:path' is a remote transfer (ssh), refused by the real rsync too
  let folder = rng.chance(0.75) ? `m${rng.int(1, 99)}.${rng.int(0, 9)}` : randomName(rng, 60).replace(/^[-.]/, 'm').replace(/:/g, '_');
  if (['common', 'real-model', 'build.py'].includes(folder)) folder = `m-${folder}`;
  const pluginId = `${name}-m`;
  const version = rng.pick(['1.0', '0.1.0', '2.3.4.5', '0.10', '1.0.0-rc.1']);
  const links: PlannedLink[] = [];
  const listing: string[] = [];

  const common = new Tree('common', opts.maxRelBytes);
  growTree(rng, common, opts);
  common.add({ rel: 'gen.in', kind: 'file', mode: 0o644, content: Buffer.from('id=@ID@\n') });
  // a third of the trees hold what the README refuses; the others must package as the reference does
  const hostile = rng.chance(0.35);
  addLinks(rng, common, familyAbs, links, hostile && rng.chance(0.5));
  // the model's names avoid common's (links included) unless it overlays a file or folder on purpose
  const model = new Tree(folder, opts.maxRelBytes, common);
  growTree(rng, model, opts);
  addLinks(rng, model, familyAbs, links, hostile);

  // plugin-info: a file, or now and then a symlink to one (inside the model, or out of it)
  const info = `{"version": ${JSON.stringify(version)}, "description": ${JSON.stringify(`fuzz ${name} ${folder}`)}, "capabilities": {}}\n`;
  let pluginInfoLink: string | null = null;
  if (rng.chance(0.1)) {
    const where = hostile ? rng.weighted([['model', 3], ['common', 1]] as const) : 'model';
    if (where === 'model') {
      const real = model.freshName(rng, '') ?? 'real-info';
      model.add({ rel: real, kind: 'file', mode: 0o644, content: Buffer.from(info) });
      pluginInfoLink = real;
      links.push({ source: `${folder}/plugin-info`, rel: 'plugin-info', target: real, kind: 'inside' });
    } else {
      pluginInfoLink = '../common/gen.in.info';
      common.add({ rel: 'gen.in.info', kind: 'file', mode: 0o644, content: Buffer.from(info) });
      links.push({ source: `${folder}/plugin-info`, rel: 'plugin-info', target: pluginInfoLink, kind: 'escapes-plugin' });
    }
    model.add({ rel: 'plugin-info', kind: 'link', target: pluginInfoLink, linkKind: 'inside' });
  } else {
    model.add({ rel: 'plugin-info', kind: 'file', mode: 0o644, content: Buffer.from(info) });
  }

  writeTree(common, join(familyAbs, 'common'), 1_000_000_000);
  // the model folder, now and then, is a symlink to a folder elsewhere in the family or out of it
  const foldersLeavingFamily: string[] = [];
  const folderLink = rng.weighted([['none', 20], ['inside', 1], ['outside', hostile ? 2 : 0]] as const);
  const modelAbs = folderLink === 'none' ? join(familyAbs, folder) : folderLink === 'inside' ? join(familyAbs, 'real-model') : join(workspace, 'outside', 'model');
  if (folderLink === 'none') writeTree(model, modelAbs, 1_100_000_000);
  else {
    const real = modelAbs;
    writeTree(model, real, 1_100_000_000);
    symlinkSync(folderLink === 'inside' ? 'real-model' : '../../outside/model', join(familyAbs, folder));
    if (folderLink === 'outside') foldersLeavingFamily.push(folder);
    listing.push(`${JSON.stringify(folder)} -> ${folderLink === 'inside' ? 'real-model' : '../../outside/model'} (the model folder is a symlink)`);
  }

  // now and then a name that is not UTF-8 (refused, naming it: a documented choice)
  const badNames: string[] = [];
  if (hostile && rng.chance(0.06)) {
    const raw = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9, rng.int(0x80, 0xff)]), Buffer.from(`-${rng.int(0, 999)}.tpl`)]);
    writeFileSync(Buffer.concat([Buffer.from(modelAbs + '/'), raw]), 'latin-1 name\n');
    badNames.push(raw.toString('latin1'));
    listing.push(`${JSON.stringify(`${folder}/${raw.toString('latin1')}`)} file, its name not UTF-8`);
  }

  const rsyncArgs = [
    ...rng.weighted([[['-rlp'], 6], [['-a'], 2], [['-rlpt'], 1], [['-rl'], 1], [['-r'], 0.6], [['-rp'], 0.6], [['-rlpD'], 0.3]] as const),
    ...(rng.chance(0.7) ? ['--exclude', '.*'] : []),
  ];
  const argv = (src: string, dest = 'path') => `[${['rsync', ...rsyncArgs].map(py).join(', ')}, ${src}, ${dest}]`;
  // now and then common/ goes into a subfolder of the plugin (its links one level deeper there: one
  // that climbs just out of common/ stays in the plugin), and the standard folders are left out
  const commonSub = rng.chance(0.1) ? rng.pick(['shared', 'var', 'templates', 'common']) : null;
  const commonDest = commonSub ? `os.path.join(path, ${py(commonSub)})` : 'path';
  if (commonSub) {
    for (const l of links.filter((l) => l.source.startsWith('common/'))) {
      l.rel = `${commonSub}/${l.rel}`;
      if (l.requires) l.requires = `${commonSub}/${l.requires}`;
      if (l.kind === 'escapes-plugin') l.kind = 'inside';
    }
  }
  const stdDirs = rng.chance(0.1) ? ', std_dirs=False' : '';
  let pythonStep: string | null = null;
  if (rng.chance(0.3)) {
    const step = rng.weighted([['sed', 3], ['write', 2], ['symlink', 2], ['mkdir', 1], ['readback', 1.5]] as const);
    const name = randomName(rng, 80);
    switch (step) {
      case 'sed':
        pythonStep = `    check_call('sed -e "s/@ID@/%s/g" common/gen.in > %s' % (${py(pluginId)}, shlex.quote(os.path.join(path, 'generated.tpl'))), shell=True)`;
        break;
      case 'write':
        pythonStep = `    with open(os.path.join(path, ${py(name)}), 'w', encoding='utf-8') as f:\n        f.write(${py(`made by the recipe ${name}\n`)})`;
        break;
      case 'symlink': {
        const [target, kind] = rng.pick([
          ['templates', 'dangling'],
          ['plugin-info', 'inside'],
          [name, 'loop'],
          ...(hostile ? ([['/etc/hostname', 'absolute'], ['../outside', 'escapes-plugin']] as const) : []),
        ] as const);
        pythonStep = `    os.symlink(${py(target)}, os.path.join(path, ${py(name)}))`;
        links.push({ source: 'recipe', rel: name, target, kind });
        break;
      }
      case 'mkdir':
        pythonStep = `    os.makedirs(os.path.join(path, ${py(name)}, 'empty'), exist_ok=True)`;
        break;
      case 'readback':
        // reads what the copies made: recording it runs the function for real, in a scratch folder
        pythonStep = [
          `    with open(os.path.join(path, 'plugin-info'), 'rb') as f:`,
          `        data = f.read()`,
          `    with open(os.path.join(path, ${py(name)}), 'wb') as f:`,
          `        f.write(data + b'\\n' + '\\n'.join(sorted(os.listdir(path))).encode('utf-8', 'surrogateescape'))`,
        ].join('\n');
        break;
    }
  }
  const recipe = [
    '# -*- coding: utf-8 -*-',
    '# generated by the fuzz spec',
    'import os',
    'import shlex',
    'from subprocess import check_call',
    '',
    '',
    `@target(${py(folder)}, ${py(pluginId)}${stdDirs})`,
    'def build_model(path):',
    `    check_call(${argv(py('common/'), commonDest)})`,
    `    check_call(${argv(py(folder + '/'))})`,
    ...(pythonStep ? [pythonStep] : []),
    '',
  ].join('\n');
  writeFileSync(join(familyAbs, 'build.py'), recipe);

  listing.push(...recipe.split('\n').map((l) => `build.py| ${l}`), ...describeTree(common), ...describeTree(model));
  return {
    name,
    familyRoot,
    folder,
    targetId: folder,
    pluginId,
    version,
    pythonStep,
    rsyncArgs,
    links,
    foldersLeavingFamily,
    badNames,
    pluginInfoLink,
    listing,
  };
}
