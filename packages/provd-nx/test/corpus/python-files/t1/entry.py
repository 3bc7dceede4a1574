# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class PythonFilesT1Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'python-files-t1'
