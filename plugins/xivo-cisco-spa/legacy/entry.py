# -*- coding: utf-8 -*-

# Plugin entry point, exec'd by provd with execfile_ and friends injected.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['SPA901', 'SPA921', 'SPA922']
VERSION = '5.1.8'


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    _MODELS = MODELS
    _VERSION = VERSION

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODELS, VERSION)

    # firmware 5.1.x does not understand UTF-8 encoded profiles
    _ENCODING = 'ISO-8859-1'
