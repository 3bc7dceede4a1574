# -*- coding: utf-8 -*-

# Plugin entry point for the Snom M9 DECT base station.
#
# Unlike the other xivo-snom plugins this one is self-contained: it does not
# load any common.py and keeps its generated files in its own tftpboot/
# folder, so the build creates no standard var/ directories for it.

import logging
import os

logger = logging.getLogger('plugin.xivo-snom-m9')

MODELS = ['M9']
VERSION = '9.6.2'


class SnomM9PgAssociator(object):
    def associate(self, vendor, model, version):
        if vendor == 'Snom' and model in MODELS:
            if version == VERSION:
                return 'EXACT'
            return 'COMPLETE'
        return 'IMPROBABLE'


class SnomM9Plugin(object):
    IS_PLUGIN = True

    _MODELS = MODELS
    _ENCODING = 'UTF-8'

    pg_associator = SnomM9PgAssociator()

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        self._app = app
        self._tftpboot_dir = os.path.join(plugin_dir, 'tftpboot')
        self._template = os.path.join(plugin_dir, 'templates', 'M9.tpl')

    def _dev_specific_filename(self, device):
        return '%s.cfg' % device['mac'].replace(':', '').lower()

    def configure(self, device, raw_config):
        with open(self._template, encoding=self._ENCODING) as fobj:
            content = fobj.read()
        for key, value in sorted(raw_config.items()):
            content = content.replace('{{ %s }}' % key, str(value))
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        with open(path, 'w', encoding=self._ENCODING) as fobj:
            fobj.write(content)
        return path
