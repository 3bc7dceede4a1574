# -*- coding: utf-8 -*-

# Plugin entry point: provd execs this file with execfile_ injected and
# instantiates the class whose IS_PLUGIN is true.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['SPA2102']
MODEL_VERSION = {model: '5.2.12' for model in MODELS}


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    # bootstrap files the phones ask for first (spa941.cfg, ...)
    _COMMON_FILENAMES = [model.lower() + '.cfg' for model in MODEL_VERSION]

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODEL_VERSION)
