# -*- coding: utf-8 -*-

# Build recipe for the xivo-snom plugin family.
#
# This file is exec'd by the plugin builder, which injects a single global:
#   target(target_id, plugin_id, std_dirs=True)
# Each decorated function receives the absolute path of an empty output
# directory and must fill it. The builder chdir's into this folder first,
# so every source path below is relative to plugins/xivo-snom/.
#
# Shared folders:
#   common/    code and templates for the 3xx/7xx/8xx (firmware 8.x) lines
#   common_c/  code and templates for the Dxxx (firmware 10.x) lines

import shlex
import os.path
from subprocess import check_call


# Firmware 8.x lines: common/ (without editor backups) then the model folder.
COMMON_MODELS = [
    ('8.4.35', 'xivo-snom-8.4.35'),
    ('8.7.3', 'xivo-snom-8.7.3'),
    ('8.9.3.80', 'xivo-snom-8.9.3.80'),
]


def _make_common_target(folder, plugin_id):
    # folder and plugin_id are bound here, once per call, so each generated
    # build function keeps its own values (no late-binding closure bug).
    @target(folder, plugin_id)
    def build(path):
        check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', '*.bak',
                    'common/', path])
        check_call(['rsync', '-rlp', '--exclude', '.*', folder + '/', path])

    return build


for _folder, _plugin_id in COMMON_MODELS:
    _make_common_target(_folder, _plugin_id)


# 8.7.5 ships the common base template with its firmware version filled in.
@target('8.7.5', 'xivo-snom-8.7.5')
def build_8_7_5(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call('sed -e "s/@FIRMWARE@/8.7.5/g" common/templates/base.tpl > %s'
               % shlex.quote(os.path.join(path, 'templates', 'base.tpl')),
               shell=True)
    check_call(['rsync', '-rlp', '--exclude', '.*', '8.7.5/', path])


# Dxxx line on firmware 10.1.46: common_c/ only.
@target('10.1.46', 'xivo-snom-10.1.46')
def build_10_1_46(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common_c/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', '10.1.46/', path])


# Dxxx line on firmware 10.1.54: common/ (only *.tpl files of its templates
# folder), then common_c/ as an overlay, then the model folder.
@target('10.1.54', 'xivo-snom-10.1.54')
def build_10_1_54(path):
    check_call(['rsync', '-rlp', '--exclude', '.*',
                '--include', '/templates/',
                '--include', '/templates/*.tpl',
                '--exclude', '/templates/*',
                'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common_c/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', '10.1.54/', path])


# M9 DECT base: self-contained, no shared folder and no standard directories.
@target('m9-9.6.2', 'xivo-snom-m9-9.6.2', std_dirs=False)
def build_m9_9_6_2(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'm9-9.6.2/', path])
