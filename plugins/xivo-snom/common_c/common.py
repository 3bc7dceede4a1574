# -*- coding: utf-8 -*-

# Common code shared by the xivo-snom plugins for firmware 10.x
# (snom Dxxx line). When a recipe copies common/ first, this file is
# copied over common/common.py.

import logging
import os

logger = logging.getLogger('plugin.xivo-snom')


class BaseSnomPgAssociator(object):
    def __init__(self, models, version):
        self._models = models
        self._version = version

    def associate(self, vendor, model, version):
        if vendor != 'Snom':
            return 'IMPROBABLE'
        if model in self._models:
            if version == self._version:
                return 'EXACT'
            return 'COMPLETE'
        return 'UNKNOWN'


class BaseSnomPlugin(object):
    IS_PLUGIN = False

    _MODELS = []
    _ENCODING = 'UTF-8'
    _BASE_TEMPLATE = 'base.tpl'
    _KEYS_TEMPLATE = 'keys.tpl'

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        self._app = app
        self._plugin_dir = plugin_dir
        self._tftpboot_dir = os.path.join(plugin_dir, 'var', 'tftpboot')
        self._templates_dir = os.path.join(plugin_dir, 'templates')

    def _dev_specific_filename(self, device):
        return '%s.xml' % device['mac'].replace(':', '').upper()

    def _read_template(self, name):
        with open(os.path.join(self._templates_dir, name), encoding=self._ENCODING) as fobj:
            return fobj.read()

    def _render(self, raw_config):
        content = self._read_template(self._BASE_TEMPLATE)
        content = content.replace('{{ function_keys }}', self._read_template(self._KEYS_TEMPLATE))
        for key, value in sorted(raw_config.items()):
            content = content.replace('{{ %s }}' % key, str(value))
        return content

    def configure(self, device, raw_config):
        if device.get('model') not in self._MODELS:
            logger.warning('unsupported model %s', device.get('model'))
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        with open(path, 'w', encoding=self._ENCODING) as fobj:
            fobj.write(self._render(raw_config))
        return path
