# -*- coding: utf-8 -*-

# Plugins made with Python file operations instead of rsync: os.makedirs,
# shutil.copy, shutil.copytree and generated files written with open().
# Targets are generated in a loop over tuples through a factory function.

import json
import os
import shutil

MODELS = (
    ('t1', 'corpus-python-files-t1', 'T1', '1.4.2'),
    ('t2', 'corpus-python-files-t2', 'T2', '2.0.7'),
)


def _make_target(folder, plugin_id, model, firmware):
    @target(folder, plugin_id)
    def build(path):
        shutil.copytree('common', os.path.join(path, 'common'))
        shutil.copy(os.path.join('common', 'common.py'), path)
        for name in ('plugin-info', 'entry.py'):
            shutil.copy(os.path.join(folder, name), os.path.join(path, name))
        shutil.copytree(os.path.join(folder, 'firmware'), os.path.join(path, 'firmware'))
        os.makedirs(os.path.join(path, 'templates', 'generated'))
        with open(os.path.join(path, 'templates', 'generated', 'model.cfg'), 'w') as f:
            f.write('model = %s\nfirmware = %s\n' % (model, firmware))
        open(os.path.join(path, 'firmware.json'), 'w').write(
            json.dumps({'firmware': firmware, 'model': model}, sort_keys=True))

    return build


for _args in MODELS:
    _make_target(*_args)
