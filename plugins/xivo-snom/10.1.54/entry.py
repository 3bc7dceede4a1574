# -*- coding: utf-8 -*-

# Plugin entry point, exec'd by provd with execfile_ and friends injected.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['D120', 'D345', 'D717']
VERSION = '10.1.54'


class SnomPlugin(common_globals['BaseSnomPlugin']):
    IS_PLUGIN = True

    _MODELS = MODELS

    pg_associator = common_globals['BaseSnomPgAssociator'](MODELS, VERSION)
