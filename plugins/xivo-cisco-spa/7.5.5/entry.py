# -*- coding: utf-8 -*-

# Plugin entry point, exec'd by provd with execfile_ and friends injected.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['SPA941', 'SPA942']
VERSION = '7.5.5'


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    _MODELS = MODELS
    _VERSION = VERSION

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODELS, VERSION)
