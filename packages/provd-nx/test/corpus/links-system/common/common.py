# -*- coding: utf-8 -*-


class BaseCorpusPlugin(object):
    _MODEL = None
