# -*- coding: utf-8 -*-

# Plugin entry point, exec'd by provd with execfile_ and friends injected.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['300', '320', '360']
VERSION = '8.4.35'


class SnomPlugin(common_globals['BaseSnomPlugin']):
    IS_PLUGIN = True

    _MODELS = MODELS

    pg_associator = common_globals['BaseSnomPgAssociator'](MODELS, VERSION)
