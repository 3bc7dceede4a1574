# -*- coding: utf-8 -*-

# sed output written into folders that the earlier copy of common/ created:
# templates/common/ holds only *.btpl sources, excluded from the copy, so the
# folder exists in the plugin only once rsync has run.

from pathlib import Path
from subprocess import check_call


def _build(path, model):
    check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', '*.btpl', 'common/', path])
    with (Path(path) / 'templates' / 'common' / f'phone{model}.tpl').open('wb') as f:
        check_call(['sed', f's/#MODEL#/{model}/', 'common/templates/common/phone.tpl.btpl'], stdout=f)
    check_call(['rsync', '-rlp', '--exclude', '.*', f'{model}/', path])


@target('100', 'corpus-sed-overlay-100')
def build_100(path):
    _build(path, '100')


@target('200', 'corpus-sed-overlay-200')
def build_200(path):
    _build(path, '200')
