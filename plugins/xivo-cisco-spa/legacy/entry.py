# -*- coding: utf-8 -*-

# Plugin entry point: provd execs this file with execfile_ injected and
# instantiates the class whose IS_PLUGIN is true.

common_globals = {}
execfile_('common.py', common_globals)

MODEL_VERSION = {'SPA901': '5.1.5', 'SPA921': '5.1.8', 'SPA922': '5.1.8'}


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    # bootstrap files the phones ask for first (spa941.cfg, ...)
    _COMMON_FILENAMES = [model.lower() + '.cfg' for model in MODEL_VERSION]

    # firmware 5.1.x does not understand UTF-8 encoded profiles
    _ENCODING = 'ISO-8859-1'

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODEL_VERSION)
