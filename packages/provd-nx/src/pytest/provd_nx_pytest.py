# Loaded into pytest by @provd/nx's test target (pytest -p provd_nx_pytest), never by provd.
#
# 1. A family folder named with hyphens (xivo-cisco-spa) is importable as plugins.xivo_cisco_spa:
#    Python names cannot hold '-' (nor '.'), and the Wazo collection names its families with
#    underscores (plugins.wazo_yealink), so tests import every family the same way. A folder that
#    already has the underscore name is imported as it is; nothing else changes.
# 2. Outcome counts, collection errors and the test running now go to PROVD_PYTEST_REPORT (JSON),
#    so the caller reads counts without parsing pytest's terminal, and names a hanging test.
import importlib.abc
import importlib.machinery
import json
import os
import re
import sys

_PLUGINS_DIR = os.environ.get('PROVD_PYTEST_PLUGINS_DIR', '')
_PACKAGE = os.path.basename(_PLUGINS_DIR.rstrip('/')) if _PLUGINS_DIR else 'plugins'
_REPORT = os.environ.get('PROVD_PYTEST_REPORT')


class _HyphenFamilyFinder(importlib.abc.MetaPathFinder):
    """plugins.<family_underscored> for the folder plugins/<family-hyphenated>."""

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split('.')
        if len(parts) != 2 or parts[0] != _PACKAGE or not _PLUGINS_DIR:
            return None
        if os.path.isdir(os.path.join(_PLUGINS_DIR, parts[1])):
            return None
        # the folder whose name, with '-' and '.' as '_', is the name asked for
        try:
            names = sorted(os.listdir(_PLUGINS_DIR))
        except OSError:
            return None
        for name in names:
            folder = os.path.join(_PLUGINS_DIR, name)
            if re.sub(r'[^A-Za-z0-9_]', '_', name) == parts[1] and os.path.isdir(folder):
                spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
                spec.submodule_search_locations = [folder]
                return spec
        return None


sys.meta_path.append(_HyphenFamilyFinder())

_current = {'test': None}


def _write(extra):
    if not _REPORT:
        return
    tmp = _REPORT + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(extra, f)
    os.replace(tmp, _REPORT)


def pytest_runtest_logstart(nodeid, location):
    _current['test'] = nodeid
    _write({'running': nodeid})


_files = set()


def pytest_collection_finish(session):
    # the test files found, as rootdir-relative paths (what `pytest --collect-only -q` lists)
    _files.update(item.nodeid.split('::')[0] for item in session.items)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    stats = reporter.stats if reporter else {}
    # the categories and counts of pytest's own last line ("3 passed, 1 failed")
    counts = {key: len(stats.get(key, [])) for key in ('passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed', 'deselected')}
    errors = []
    for r in stats.get('error', []):
        where = getattr(r, 'nodeid', '') or str(getattr(r, 'fspath', ''))
        text = str(getattr(r, 'longrepr', '') or '')
        errors.append({'nodeid': where, 'message': text.strip().splitlines()[-1] if text.strip() else 'error'})
    failed = [getattr(r, 'nodeid', '') for r in stats.get('failed', [])]
    _write({'exitstatus': int(exitstatus), 'counts': counts, 'collected': session.testscollected,
            'errors': errors, 'failed': failed, 'files': sorted(_files)})
