import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkspace, createWorkspace } from './workspace';
import { familyFiles, pluginInfo } from './collection';

const SPA = ['xivo-cisco-spa-7.5.5', 'xivo-cisco-spa-legacy', 'xivo-cisco-spa2102-5.2.12', 'xivo-cisco-pap2t-5.1.6'];
const SNOM_COMMON = ['xivo-snom-8.4.35', 'xivo-snom-8.7.3', 'xivo-snom-8.9.3.80', 'xivo-snom-8.7.5', 'xivo-snom-10.1.54'];
const SNOM_COMMON_C = ['xivo-snom-10.1.46', 'xivo-snom-10.1.54'];
const SNOM = [...new Set([...SNOM_COMMON, ...SNOM_COMMON_C, 'xivo-snom-m9-9.6.2'])];

const sorted = (xs: string[]) => [...xs].sort();

describe('inference of the sample collection', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ families: ['xivo-cisco-spa', 'xivo-snom'] });
  });
  afterAll(() => ws?.dispose());

  it('lists every family, shared folder and model under its name', () => {
    expect(ws.projects()).toEqual(
      sorted(['provd-repository', 'xivo-cisco-spa', 'xivo-cisco-spa/common', ...SPA, 'xivo-snom', 'xivo-snom/common', 'xivo-snom/common_c', ...SNOM])
    );
  });

  it('describes projects and targets, with tags and the model folder as root', () => {
    const pap = ws.project('xivo-cisco-pap2t-5.1.6');
    expect(pap.root).toBe('plugins/xivo-cisco-spa/pap2t-5.1.6');
    expect(pap.tags).toEqual(expect.arrayContaining(['type:model', 'family:xivo-cisco-spa']));
    expect(pap.metadata.description).toMatch(/version \d+\.\d+\.\d+/);
    expect(pap.metadata.technologies).toContain('provd');
    for (const [name, target] of Object.entries<any>(pap.targets)) {
      expect(target.metadata?.description, `target ${name}`).toBeTruthy();
    }
    expect(Object.keys(pap.targets)).toContain('build');
    const family = ws.project('xivo-snom');
    expect(family.root).toBe('plugins/xivo-snom');
    expect(family.tags).toEqual(expect.arrayContaining(['type:family', 'family:xivo-snom']));
    expect(family.metadata.description).toContain('7 model(s)');
    const m9 = ws.project('xivo-snom-m9-9.6.2');
    expect(m9.metadata.provd.stdDirs).toBe(false);
    expect(m9.metadata.provd.sharedFolders).toEqual([]);
    // its sed step (one substitution into one plugin file, between copies) is replayed natively too
    expect(ws.project('xivo-snom-8.7.5').metadata.provd.replay).toBe('native');
    expect(ws.project('xivo-snom-8.7.5').metadata.provd.steps.map((s: object) => Object.keys(s)[0])).toEqual(['copy', 'sed', 'copy']);
    expect(ws.project('xivo-snom-10.1.54').metadata.provd.replay).toBe('native');
  });

  it('reports each dependency on what the recipe copies', () => {
    const graph = JSON.parse(ws.nxOk(['graph', '--file=stdout']).stdout).graph;
    const deps = (name: string) => sorted(graph.dependencies[name].map((d: any) => d.target));
    expect(deps('xivo-snom-10.1.54')).toEqual(['xivo-snom', 'xivo-snom/common', 'xivo-snom/common_c']);
    expect(deps('xivo-snom-10.1.46')).toEqual(['xivo-snom', 'xivo-snom/common_c']);
    expect(deps('xivo-snom-m9-9.6.2')).toEqual(['xivo-snom']);
    expect(deps('xivo-cisco-pap2t-5.1.6')).toEqual(['xivo-cisco-spa', 'xivo-cisco-spa/common']);
  });

  describe('affected, committed changes (--base=HEAD~1)', () => {
    const cases: Array<[string, string, string[]]> = [
      ['a shared folder marks exactly the models that copy it', 'plugins/xivo-snom/common/common.py', ['xivo-snom/common', ...SNOM_COMMON]],
      ['common_c/ is not common/', 'plugins/xivo-snom/common_c/common.py', ['xivo-snom/common_c', ...SNOM_COMMON_C]],
      ['build.py marks every model of the family', 'plugins/xivo-snom/build.py', ['xivo-snom', ...SNOM]],
      ['a model folder marks only that model', 'plugins/xivo-snom/8.7.3/entry.py', ['xivo-snom-8.7.3']],
      ['a folder whose plugin id has another prefix', 'plugins/xivo-cisco-spa/pap2t-5.1.6/templates/PAP2T.tpl', ['xivo-cisco-pap2t-5.1.6']],
      ['another family marks none of these', 'plugins/xivo-cisco-spa/common/common.py', ['xivo-cisco-spa/common', ...SPA]],
    ];
    for (const [title, file, expected] of cases) {
      it(title, () => {
        ws.append(file, '\n# touched\n');
        ws.commit(`touch ${file}`);
        expect(ws.affected('HEAD~1')).toEqual(sorted(expected));
      });
    }
  });

  describe('affected, uncommitted changes', () => {
    it('a change in common_c/ not yet committed', () => {
      ws.append('plugins/xivo-snom/common_c/common.py', '\n# wip\n');
      try {
        expect(ws.affectedUncommitted()).toEqual(sorted(['xivo-snom/common_c', ...SNOM_COMMON_C]));
      } finally {
        ws.git('checkout', '--', '.');
      }
    });
    it('a new untracked file in a model folder', () => {
      ws.write('plugins/xivo-snom/m9-9.6.2/templates/new.tpl', 'new\n');
      try {
        expect(ws.affectedUncommitted('untracked')).toEqual(['xivo-snom-m9-9.6.2']);
      } finally {
        ws.git('clean', '-fdq', 'plugins');
      }
    });
    it('an edit of build.py not yet committed', () => {
      ws.append('plugins/xivo-cisco-spa/build.py', '\n# wip\n');
      try {
        expect(ws.affectedUncommitted()).toEqual(sorted(['xivo-cisco-spa', ...SPA]));
      } finally {
        ws.git('checkout', '--', '.');
      }
    });
  });
});

describe('inference errors name the file and the problem', () => {
  const good = (name: string, folder = '1.0') =>
    familyFiles({ name, models: [{ folder, pluginId: `${name}-${folder}` }] });

  it('warns about every broken family of a workspace at once, and still lists every project', () => {
    const ws = createWorkspace({
      files: {
        ...good('fam-ok'),
        // build.py that fails to load
        ...good('fam-syntax'),
        'plugins/fam-syntax/build.py': 'from subprocess import check_call\n@target("1.0", "fam-syntax-1.0"\ndef f(path): pass\n',
        // a target whose folder does not exist
        ...good('fam-nofolder'),
        'plugins/fam-nofolder/build.py':
          'from subprocess import check_call\n@target("2.0", "fam-nofolder-2.0")\ndef f(path):\n    check_call(["rsync", "-rlp", "2.0/", path])\n',
        // plugin-info that is not JSON
        ...good('fam-json'),
        'plugins/fam-json/1.0/plugin-info': '{"version": "1.0.0", "description": "x",\n',
        // plugin-info without capabilities
        ...good('fam-keys'),
        'plugins/fam-keys/1.0/plugin-info': JSON.stringify({ version: '1.0.0', description: 'x' }),
        // a two-part provd version is fine; an empty one is not
        ...good('fam-version'),
        'plugins/fam-version/1.0/plugin-info': pluginInfo('x', '1.0'),
        ...good('fam-empty'),
        'plugins/fam-empty/1.0/plugin-info': pluginInfo('x', ''),
        // a recipe that raises when its target runs
        ...good('fam-raise'),
        'plugins/fam-raise/build.py': '@target("1.0", "fam-raise-1.0")\ndef f(path):\n    raise RuntimeError("firmware URL unknown")\n',
      },
    });
    try {
      const r = ws.nxOk(['show', 'projects', '--json']);
      const names = ['fam-ok', 'fam-syntax', 'fam-nofolder', 'fam-json', 'fam-keys', 'fam-version', 'fam-empty', 'fam-raise'];
      expect(JSON.parse(r.stdout)).toEqual(expect.arrayContaining([...names, 'fam-ok-1.0', 'fam-json-1.0', 'fam-keys-1.0', 'fam-version-1.0', 'fam-empty-1.0']));
      expect(r.output).toMatch(/plugins\/fam-syntax\/build\.py: failed to load: SyntaxError/);
      expect(r.output).toMatch(/plugins\/fam-nofolder\/build\.py: target '2\.0' \(fam-nofolder-2\.0\) copies '2\.0\/', which does not exist/);
      expect(r.output).toMatch(/plugins\/fam-json\/1\.0\/plugin-info: not valid JSON/);
      expect(r.output).toMatch(/plugins\/fam-keys\/1\.0\/plugin-info: missing required key\(s\): capabilities/);
      expect(r.output).toContain('plugins/fam-empty/1.0/plugin-info: "version" is empty');
      expect(r.output).toMatch(/plugins\/fam-raise\/build\.py: target '1\.0' \(fam-raise-1\.0\) fails: RuntimeError: firmware URL unknown \(build\.py line 3\)/);
      expect(r.output.match(/^provd: /gm)).toHaveLength(6);
      expect(r.stderr).not.toMatch(/fam-ok|fam-version/);
      expect(r.output).not.toMatch(/^\s+at .*\.js:\d+/m); // no bare stack trace
    } finally {
      ws.dispose();
    }
  });

  it('refuses a target id twice in one recipe (the same plugin id twice: broken.spec.ts)', () => {
    const ws = createWorkspace({
      files: {
        ...good('fam-a'),
        ...good('fam-b'),
      },
    });
    try {
      ws.write(
        'plugins/fam-b/build.py',
        '@target("1.0", "fam-b-1.0")\ndef f(path): pass\n@target("1.0", "fam-b-1.1")\ndef g(path): pass\n'
      );
      const again = ws.nxOk(['show', 'projects']);
      expect(again.output).toMatch(/plugins\/fam-b\/build\.py: failed to load: RecipeError: target redefinition for '1\.0'/);
    } finally {
      ws.dispose();
    }
  });

  it('says python3 is missing instead of failing obscurely', () => {
    const ws = createWorkspace({ files: good('fam-a') });
    try {
      const r = ws.nx(['show', 'projects'], { PROVD_PYTHON: '/nonexistent/python3' });
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("'/nonexistent/python3' was not found: provd recipes (build.py) are Python");
    } finally {
      ws.dispose();
    }
  });
});
