# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class LinksSystemS1Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'links-system-s1'
