/**
 * A small collection laid out like the Wazo one (underscore family names, __init__.py
 * packages, a conftest.py fixture at plugins/, tests/ in model and common folders importing
 * wazo_provd and `plugins.<family>`): `nx run-many -t test` finds every test file its CI's
 * whole-tree `pytest plugins` finds, with the same counts. Real nx, real provd, real pytest.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provdPythonPathForSpecs } from './provd-pythonpath';
import { createWorkspace, TestWorkspace } from './workspace';
import { checkProvdPython } from '../src/smoke/provd-python';
import type { TestRecord } from '../src/testing/record';

const TIMEOUT = 600_000;

const RECIPE = `from subprocess import check_call


@target('v1', 'wazo-acme-v1')
def build_v1(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'v1/', path])


@target('v2', 'wazo-acme-v2')
def build_v2(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'v2/', path])
`;

const COMMON = `import os

from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import StandardPlugin, TemplatePluginHelper
from wazo_provd.servers.http import HTTPNoListingFileService
from wazo_provd.util import format_mac


class BaseAcmePgAssociator(BasePgAssociator):
    def __init__(self, models):
        super().__init__()
        self._models = models

    def _do_associate(self, vendor, model, version):
        if vendor != 'Acme':
            return DeviceSupport.IMPROBABLE
        if model in self._models:
            return DeviceSupport.EXACT if version == self._models[model] else DeviceSupport.COMPLETE
        return DeviceSupport.PROBABLE


class BaseAcmePlugin(StandardPlugin):
    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
        self.http_service = HTTPNoListingFileService(self._tftpboot_dir)

    def configure_common(self, raw_config):
        pass

    @staticmethod
    def device_filename(device):
        return 'acme-%s.cfg' % format_mac(device['mac'], separator='')

    def configure(self, device, raw_config):
        tpl = self._tpl_helper.get_dev_template(self.device_filename(device), device)
        path = os.path.join(self._tftpboot_dir, self.device_filename(device))
        self._tpl_helper.dump(tpl, raw_config, path, 'UTF-8')

    def deconfigure(self, device):
        pass

    def synchronize(self, device, raw_config):
        raise NotImplementedError()
`;

const COMMON_TESTS = `import pytest
from wazo_provd.devices.pgasso import DeviceSupport

from ..common import BaseAcmePgAssociator, BaseAcmePlugin


@pytest.fixture
def associator():
    return BaseAcmePgAssociator({'A1': '1.0'})


def test_exact(associator):
    assert associator._do_associate('Acme', 'A1', '1.0') == DeviceSupport.EXACT


def test_other_vendor(associator):
    assert associator._do_associate('Other', 'A1', '1.0') == DeviceSupport.IMPROBABLE


def test_device_filename():
    assert BaseAcmePlugin.device_filename({'mac': '00:11:22:33:44:55'}) == 'acme-001122334455.cfg'
`;

// plugins/conftest.py: the Wazo collection's module_initializer, in substance
const ROOT_CONFTEST = `import importlib.util
import os

import pytest


@pytest.fixture
def module_initializer(request):
    folder = os.path.dirname(os.path.dirname(request.module.__file__))

    def initialize(name, overrides):
        spec = importlib.util.spec_from_file_location(name, os.path.join(folder, name + '.py'))
        module = importlib.util.module_from_spec(spec)
        module.__dict__.update(overrides)
        spec.loader.exec_module(module)
        return module

    return initialize
`;

function entry(models: Record<string, string>): string {
  return `common_globals = {}
execfile_('common.py', common_globals)

MODELS = ${JSON.stringify(models)}


class AcmePlugin(common_globals['BaseAcmePlugin']):
    IS_PLUGIN = True
    pg_associator = common_globals['BaseAcmePgAssociator'](MODELS)
`;
}

function modelConftest(folder: string): string {
  return `import pytest

from plugins.wazo_acme.common.common import BaseAcmePgAssociator, BaseAcmePlugin


@pytest.fixture
def ${folder}_entry(module_initializer):
    def execfile_(_, common_globals):
        common_globals['BaseAcmePlugin'] = BaseAcmePlugin
        common_globals['BaseAcmePgAssociator'] = BaseAcmePgAssociator

    return module_initializer('entry', {'execfile_': execfile_})
`;
}

function modelTests(folder: string, models: Record<string, string>, skipped: boolean): string {
  const [model, version] = Object.entries(models)[0];
  return `import pytest
from wazo_provd.devices.pgasso import DeviceSupport


def test_plugin_class(${folder}_entry):
    assert ${folder}_entry.AcmePlugin.IS_PLUGIN


@pytest.mark.parametrize('version, support', [('${version}', DeviceSupport.EXACT), ('0.0', DeviceSupport.COMPLETE)])
def test_associator(${folder}_entry, version, support):
    assert ${folder}_entry.AcmePlugin.pg_associator._do_associate('Acme', '${model}', version) == support
${skipped ? `

@pytest.mark.skip(reason='firmware not yet released')
def test_next_firmware():
    pass
` : ''}`;
}

function pluginInfo(models: Record<string, string>, version: string): string {
  const capabilities = Object.fromEntries(Object.entries(models).map(([m, v]) => [`Acme, ${m}, ${v}`, { 'sip.lines': 2 }]));
  return JSON.stringify({ version, description: `Acme ${Object.keys(models).join(', ')}`, capabilities }, null, 4) + '\n';
}

const V1 = { A1: '1.0' };
const V2 = { A2: '2.0', A3: '2.0' };

const FILES: Record<string, string> = {
  'plugins/__init__.py': '',
  'plugins/conftest.py': ROOT_CONFTEST,
  'plugins/wazo_acme/__init__.py': '',
  'plugins/wazo_acme/build.py': RECIPE,
  'plugins/wazo_acme/common/__init__.py': '',
  'plugins/wazo_acme/common/common.py': COMMON,
  'plugins/wazo_acme/common/templates/base.tpl': 'display_name = {{ sip_lines["1"].display_name }}\n',
  'plugins/wazo_acme/common/tests/__init__.py': '',
  'plugins/wazo_acme/common/tests/test_common.py': COMMON_TESTS,
  'plugins/wazo_acme/v1/__init__.py': '',
  'plugins/wazo_acme/v1/entry.py': entry(V1),
  'plugins/wazo_acme/v1/plugin-info': pluginInfo(V1, '1.0.0'),
  'plugins/wazo_acme/v1/templates/A1.tpl': '{% extends "base.tpl" %}\n',
  'plugins/wazo_acme/v1/tests/__init__.py': '',
  'plugins/wazo_acme/v1/tests/conftest.py': modelConftest('v1'),
  'plugins/wazo_acme/v1/tests/test_entry.py': modelTests('v1', V1, false),
  'plugins/wazo_acme/v2/__init__.py': '',
  'plugins/wazo_acme/v2/entry.py': entry(V2),
  'plugins/wazo_acme/v2/plugin-info': pluginInfo(V2, '2.0.0'),
  'plugins/wazo_acme/v2/templates/A2.tpl': '{% extends "base.tpl" %}\n',
  'plugins/wazo_acme/v2/templates/A3.tpl': '{% extends "base.tpl" %}\n',
  'plugins/wazo_acme/v2/tests/__init__.py': '',
  'plugins/wazo_acme/v2/tests/conftest.py': modelConftest('v2'),
  'plugins/wazo_acme/v2/tests/test_entry.py': modelTests('v2', V2, true),
};

function records(dir: string): TestRecord[] {
  const out: TestRecord[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...records(p));
    else if (name.endsWith('.json')) out.push(JSON.parse(readFileSync(p, 'utf8')));
  }
  return out;
}

describe('test on a collection in the Wazo layout', () => {
  let ws: TestWorkspace;
  const provd = provdPythonPathForSpecs();
  beforeAll(() => {
    ws = createWorkspace({ files: FILES });
  });
  afterAll(() => ws?.dispose());

  it('nx run-many -t test finds every test file of a whole-tree `pytest plugins` run, with the same counts', () => {
    const check = checkProvdPython(provd);
    if (!check.ok) throw new Error(check.message);
    const env = { ...process.env, PYTHONPATH: provd, PYTHONDONTWRITEBYTECODE: '1' };
    // the collection's CI: pytest on the whole tree from the collection root
    const whole = spawnSync(check.python, ['-m', 'pytest', 'plugins', '-q', '-p', 'no:cacheprovider', '-rs'], { cwd: ws.root, env, encoding: 'utf8' });
    expect(whole.status, whole.stdout + whole.stderr).toBe(0);
    const summary = whole.stdout.trim().split('\n').pop()!;
    expect(summary).toMatch(/^9 passed, 1 skipped/);
    const collected = spawnSync(check.python, ['-m', 'pytest', 'plugins', '--collect-only', '-q', '-p', 'no:cacheprovider'], { cwd: ws.root, env, encoding: 'utf8' });
    const wholeFiles = [...new Set(collected.stdout.split('\n').filter((l) => l.includes('::')).map((l) => l.split('::')[0]))].sort();
    expect(wholeFiles).toEqual(['plugins/wazo_acme/common/tests/test_common.py', 'plugins/wazo_acme/v1/tests/test_entry.py', 'plugins/wazo_acme/v2/tests/test_entry.py']);

    // a first run outside CI: the models' snapshots are written (CI=true would fail on them missing)
    const r = ws.nx(['run-many', '-t', 'test', '--outputStyle=static'], { PROVD_PYTHONPATH: provd, CI: '' });
    expect(r.code, r.output).toBe(0);
    const all = records(ws.path('dist/.provd/test'));
    expect(all.map((x) => x.project).sort()).toEqual(['wazo-acme-v1', 'wazo-acme-v2', 'wazo_acme/common']);
    const sum = (key: 'passed' | 'skipped' | 'failed' | 'error') => all.reduce((n, x) => n + (x.pytest === 'skipped' ? 0 : x.pytest.counts[key]), 0);
    expect(`${sum('passed')} passed, ${sum('skipped')} skipped`).toBe(summary.replace(/ in .*$/, '').replace(/, \d+ warnings?/, ''));
    expect(sum('failed') + sum('error')).toBe(0);
    const files = all.flatMap((x) => (x.pytest === 'skipped' ? [] : x.pytest.files)).sort();
    expect(files).toEqual(wholeFiles);
    // the common folder's tests ran once, in its own project, before the models copying it
    expect(r.output).toMatch(/wazo_acme\/common: pytest 3 passed \(plugins\/wazo_acme\/common\/tests\)/);
    const at = (line: RegExp) => r.output.search(line);
    expect(at(/wazo_acme\/common: pytest/)).toBeGreaterThanOrEqual(0);
    expect(at(/wazo_acme\/common: pytest/)).toBeLessThan(at(/wazo-acme-v1: pytest/));
    // and the models rendered their phones in provd
    expect(r.output).toMatch(/wazo-acme-v2: provd installed wazo-acme-v2 2\.0\.0, 2 device\(s\)/);
  }, TIMEOUT);
});
