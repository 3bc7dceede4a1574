# -*- coding: utf-8 -*-

# Plugin entry point: provd execs this file with execfile_ injected and
# instantiates the class whose IS_PLUGIN is true.

common_globals = {}
execfile_('common.py', common_globals)

MODELS = ['PAP2T']
MODEL_VERSION = {model: '5.1.6' for model in MODELS}


class CiscoPlugin(common_globals['BaseCiscoPlugin']):
    IS_PLUGIN = True

    # the PAP2T asks for init.cfg first, then an upper-case profile name
    _COMMON_FILENAMES = ['init.cfg']

    def _dev_specific_filename(self, device):
        return 'PAP%s.xml' % common_globals['format_mac'](device['mac'], separator='', uppercase=True)

    pg_associator = common_globals['BaseCiscoPgAssociator'](MODEL_VERSION)
