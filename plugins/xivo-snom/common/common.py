# -*- coding: utf-8 -*-

# Common code shared by the xivo-snom plugins for firmware 8.x
# (snom 3xx, 7xx and 8xx lines).
#
# This file is exec'd by each plugin's entry.py through execfile_(), so the
# names it defines end up in the caller's "common_globals" dictionary.

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
        return 'PROBABLE'


class BaseSnomPlugin(object):
    IS_PLUGIN = False

    _MODELS = []
    _ENCODING = 'UTF-8'
    _BASE_TEMPLATE = 'base.tpl'
    _FILENAME_FORMAT = 'snom%(model)s-%(mac)s.htm'

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        self._app = app
        self._plugin_dir = plugin_dir
        self._gen_cfg = gen_cfg
        self._spec_cfg = spec_cfg
        self._tftpboot_dir = os.path.join(plugin_dir, 'var', 'tftpboot')
        self._templates_dir = os.path.join(plugin_dir, 'templates')

    def _dev_specific_filename(self, device):
        fmt_mac = device['mac'].replace(':', '').upper()
        return self._FILENAME_FORMAT % {'model': device['model'], 'mac': fmt_mac}

    def _template_for(self, device):
        model_tpl = os.path.join(self._templates_dir, '%s.tpl' % device['model'])
        if os.path.isfile(model_tpl):
            return model_tpl
        return os.path.join(self._templates_dir, self._BASE_TEMPLATE)

    def _render(self, template_path, raw_config):
        with open(template_path, encoding=self._ENCODING) as fobj:
            content = fobj.read()
        for key, value in sorted(raw_config.items()):
            content = content.replace('{{ %s }}' % key, str(value))
        return content

    def configure(self, device, raw_config):
        if device.get('model') not in self._MODELS:
            logger.warning('unsupported model %s', device.get('model'))
        content = self._render(self._template_for(device), raw_config)
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        with open(path, 'w', encoding=self._ENCODING) as fobj:
            fobj.write(content)
        return path

    def deconfigure(self, device):
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        try:
            os.remove(path)
        except OSError as e:
            logger.info('error while removing file %s: %s', path, e)
