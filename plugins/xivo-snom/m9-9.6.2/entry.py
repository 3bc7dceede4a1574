# -*- coding: utf-8 -*-

# Plugin entry point for the Snom M9 DECT base station.
#
# Unlike the other xivo-snom plugins this one is self-contained: it does not
# load any common.py and keeps its generated files in its own tftpboot/
# folder, so the build creates no standard var/ directories for it.

import logging
import os
import re

from wazo_provd import synchronize
from wazo_provd.devices.config import RawConfigError
from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import StandardPlugin, TemplatePluginHelper
from wazo_provd.servers.http import HTTPNoListingFileService
from wazo_provd.servers.tftp.service import TFTPFileService
from wazo_provd.util import format_mac

logger = logging.getLogger('plugin.xivo-snom-m9')

MODELS = ['M9']
VERSION = '9.6.2'


class SnomM9PgAssociator(BasePgAssociator):
    def _do_associate(self, vendor, model, version):
        if vendor == 'Snom' and model in MODELS:
            if version == VERSION:
                return DeviceSupport.EXACT
            return DeviceSupport.COMPLETE
        return DeviceSupport.IMPROBABLE


class SnomM9Plugin(StandardPlugin):
    IS_PLUGIN = True

    # no var/: generated files live in the plugin's own tftpboot/
    _TFTPBOOT_DIR = 'tftpboot'
    _ENCODING = 'UTF-8'
    _SENSITIVE_FILENAME_REGEX = re.compile(r'^[\da-f]{12}\.cfg$')

    pg_associator = SnomM9PgAssociator()

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._app = app
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
        self.http_service = HTTPNoListingFileService(self._tftpboot_dir)
        self.tftp_service = TFTPFileService(self._tftpboot_dir)

    def configure_common(self, raw_config):
        # the base station needs no shared file; only check the template parses
        self._tpl_helper.get_template('M9.tpl')

    def _dev_specific_filename(self, device):
        return '%s.cfg' % format_mac(device['mac'], separator='')

    def configure(self, device, raw_config):
        if 'http_port' not in raw_config:
            raise RawConfigError('only support configuration via HTTP')
        if 'mac' not in device:
            raise Exception('MAC address needed for device configuration')
        tpl = self._tpl_helper.get_template('M9.tpl')
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        self._tpl_helper.dump(tpl, raw_config, path, self._ENCODING)

    def deconfigure(self, device):
        path = os.path.join(self._tftpboot_dir, self._dev_specific_filename(device))
        try:
            os.remove(path)
        except OSError as e:
            logger.info('error while removing file %s: %s', path, e)

    def synchronize(self, device, raw_config):
        return synchronize.standard_sip_synchronize(device)

    def get_remote_state_trigger_filename(self, device):
        if 'mac' not in device:
            return None
        return self._dev_specific_filename(device)

    def is_sensitive_filename(self, filename):
        return bool(self._SENSITIVE_FILENAME_REGEX.match(filename))
