# -*- coding: utf-8 -*-

# Common code shared by every xivo-cisco-spa plugin.
#
# This file is exec'd by each plugin's entry.py through execfile_(), so the
# names it defines end up in the caller's "common_globals" dictionary.

import logging
import os
import re

logger = logging.getLogger('plugin.xivo-cisco-spa')

_MAC_RE = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')


def _format_mac(mac):
    return mac.replace(':', '').lower()


class BaseCiscoPgAssociator(object):
    def __init__(self, models, version):
        self._models = models
        self._version = version

    def associate(self, vendor, model, version):
        if vendor != 'Cisco':
            return 'IMPROBABLE'
        if model in self._models:
            if version == self._version:
                return 'EXACT'
            return 'COMPLETE'
        return 'UNKNOWN'


class BaseCiscoPlugin(object):
    IS_PLUGIN = False

    _MODELS = []
    _VERSION = None
    _ENCODING = 'UTF-8'
    _BASE_TEMPLATE = 'base.tpl'

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        self._app = app
        self._plugin_dir = plugin_dir
        self._gen_cfg = gen_cfg
        self._spec_cfg = spec_cfg
        self._tftpboot_dir = os.path.join(plugin_dir, 'var', 'tftpboot')
        self._templates_dir = os.path.join(plugin_dir, 'templates')

    def _dev_specific_filename(self, device):
        mac = device['mac']
        if not _MAC_RE.match(mac):
            raise ValueError('invalid MAC address: %r' % mac)
        return 'spa%s.xml' % _format_mac(mac)

    def _template_for(self, device):
        model_tpl = os.path.join(self._templates_dir, '%s.tpl' % device.get('model', ''))
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
        filename = self._dev_specific_filename(device)
        content = self._render(self._template_for(device), raw_config)
        out_path = os.path.join(self._tftpboot_dir, filename)
        with open(out_path, 'w', encoding=self._ENCODING) as fobj:
            fobj.write(content)
        return out_path

    def deconfigure(self, device):
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        try:
            os.remove(path)
        except OSError as e:
            logger.info('error while removing file %s: %s', path, e)
