# -*- coding: utf-8 -*-

# Build recipe for the xivo-cisco-spa plugin family.
#
# This file is exec'd by the plugin builder, which injects a single global:
#   target(target_id, plugin_id, std_dirs=True)
# Each decorated function receives the absolute path of an empty output
# directory and must fill it. The builder chdir's into this folder first,
# so every source path below is relative to plugins/xivo-cisco-spa/.

from subprocess import check_call


@target('7.5.5', 'xivo-cisco-spa-7.5.5')
def build_7_5_5(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', '7.5.5/', path])


@target('legacy', 'xivo-cisco-spa-legacy')
def build_legacy(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'legacy/', path])


@target('spa2102-5.2.12', 'xivo-cisco-spa2102-5.2.12')
def build_spa2102_5_2_12(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'spa2102-5.2.12/', path])


@target('pap2t-5.1.6', 'xivo-cisco-pap2t-5.1.6')
def build_pap2t_5_1_6(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])
    check_call(['rsync', '-rlp', '--exclude', '.*', 'pap2t-5.1.6/', path])
