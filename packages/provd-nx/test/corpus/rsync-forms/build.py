# -*- coding: utf-8 -*-

# rsync as real recipes write it: several sources in one call, -a, Path
# arguments, a source relative to cwd=, a folder copied without its slash.

import subprocess
from pathlib import Path
from subprocess import check_call


@target('a1', 'corpus-rsync-forms-a1')
def build_a1(path):
    check_call(['rsync', '-a', '--exclude', '.*', 'common/', 'extra/', 'a1/', path])


@target('a2', 'corpus-rsync-forms-a2')
def build_a2(path):
    check_call(['rsync', '-rlp', Path('common') / 'templates', Path(path)])
    check_call(['rsync', '-rlp', '--exclude', '.*', './', path], cwd='a2')
    subprocess.check_call(['rsync', '-rlp', 'extra', path])
