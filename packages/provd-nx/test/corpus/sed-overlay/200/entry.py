# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class SedOverlay200Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'sed-overlay-200'
