# -*- coding: utf-8 -*-

# Symlinks made by the recipe, a shell step through os.system, a helpers
# module of the family imported from lib/, and targets defined in a loop
# (the folder bound as a default argument).

import os
import sys
from subprocess import check_call


def _common(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'common/', path])


for _folder, _plugin_id in (('s1', 'corpus-links-system-s1'), ('s2', 'corpus-links-system-s2')):
    @target(_folder, _plugin_id)
    def build(path, folder=_folder):
        if 'lib' not in sys.path:
            sys.path.insert(0, 'lib')
        import helpers
        _common(path)
        check_call(['rsync', '-rlp', '--exclude', '.*', folder + '/', path])
        os.symlink('base.tpl', os.path.join(path, 'templates', 'default.tpl'))
        os.makedirs(os.path.join(path, 'var', 'tftpboot'))
        os.symlink('../../firmware/' + helpers.firmware_name(folder), os.path.join(path, 'var', 'tftpboot', 'firmware.bin'))
        os.system('sed -e "s/#FOLDER#/%s/" common/templates/base.tpl > %s' % (folder, os.path.join(path, 'templates', folder + '.tpl')))
        # A later family must not see what an earlier one put in the environment.
        os.system('echo "flavor=%s" > %s' % (os.environ.get('CORPUS_FLAVOR', 'plain'), os.path.join(path, 'flavor.txt')))
