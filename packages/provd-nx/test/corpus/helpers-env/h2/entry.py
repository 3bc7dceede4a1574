# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class HelpersEnvH2Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'helpers-env-h2'
