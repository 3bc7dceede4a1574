# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class RsyncFormsA1Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'rsync-forms-a1'
