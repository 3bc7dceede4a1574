# -*- coding: utf-8 -*-

# Plugin entry point, exec'd by provd with execfile_ and friends injected.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['PAP2T']
VERSION = '5.1.6'


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    _MODELS = MODELS
    _VERSION = VERSION

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODELS, VERSION)

    def _dev_specific_filename(self, device):
        # PAP2T devices ask for an upper-case file name
        return 'PAP%s.xml' % device['mac'].replace(':', '').upper()
