# -*- coding: utf-8 -*-

common = {}
execfile_('common.py', common)


class LinksSystemS2Plugin(common['BaseCorpusPlugin']):
    IS_PLUGIN = True
    _MODEL = 'links-system-s2'
