# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class HelpersEnvH1Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'helpers-env-h1'
