# -*- coding: utf-8 -*-

# A recipe that changes its process: it sets an environment variable and the
# umask, puts lib/ on sys.path and imports its own `helpers` module (another
# family has one of the same name). std_dirs=False models.

import os
import sys
from subprocess import check_call


@target('h1', 'corpus-helpers-env-h1', std_dirs=False)
def build_h1(path):
    os.environ['CORPUS_FLAVOR'] = 'helpers'
    os.umask(0o077)
    sys.path.insert(0, 'lib')
    import helpers
    check_call(['rsync', '-rlp', '--exclude', '.*', 'h1/', path])
    with open(os.path.join(path, 'banner.txt'), 'w') as f:
        f.write(helpers.banner('h1'))


@target('h2', 'corpus-helpers-env-h2', std_dirs=False)
def build_h2(path):
    check_call(['rsync', '-rlp', '--exclude', '.*', 'h2/', path])
