# -*- coding: utf-8 -*-

# Common code shared by the xivo-snom plugins for firmware 8.x
# (snom 3xx, 7xx and 8xx lines).
#
# Each model's entry.py execs this file through provd's execfile_(), so the
# names defined here end up in the caller's "common_globals" dictionary and
# the model's IS_PLUGIN class derives from BaseSnomPlugin.

import logging
import os
import re

from twisted.internet import defer
from wazo_provd import synchronize
from wazo_provd.devices.config import RawConfigError
from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import (
    FetchfwPluginHelper,
    StandardPlugin,
    TemplatePluginHelper,
)
from wazo_provd.servers.http import HTTPNoListingFileService
from wazo_provd.servers.tftp.service import TFTPFileService
from wazo_provd.util import format_mac, norm_mac

logger = logging.getLogger('plugin.xivo-snom')


class BaseSnomHTTPDeviceInfoExtractor:
    # "Mozilla/4.0 (compatible; snom320-SIP 8.4.35 1.1.3-s)"
    # "Mozilla/4.0 (compatible; snomD785-SIP 10.1.46.16 2010.12-00004-gd311851; ...)"
    _UA_REGEX = re.compile(r'\bsnom(\w+)-SIP ([\d.]+)')
    _PATH_REGEX = re.compile(r'\bsnom\w+-([\dA-F]{12})\.htm$')

    def extract(self, request, request_type):
        return defer.succeed(self._do_extract(request))

    def _do_extract(self, request):
        ua = request.getHeader(b'User-Agent')
        if not ua:
            return None
        if isinstance(ua, bytes):
            ua = ua.decode('ascii', 'replace')
        m = self._UA_REGEX.search(ua)
        if not m:
            return None
        dev_info = {'vendor': 'Snom', 'model': m.group(1), 'version': m.group(2)}
        path = request.path.decode('ascii', 'replace') if isinstance(request.path, bytes) else request.path
        pm = self._PATH_REGEX.search(path)
        if pm:
            dev_info['mac'] = norm_mac(pm.group(1))
        return dev_info


class BaseSnomPgAssociator(BasePgAssociator):
    def __init__(self, models, version):
        super().__init__()
        self._models = models
        self._version = version

    def _do_associate(self, vendor, model, version):
        if vendor != 'Snom':
            return DeviceSupport.IMPROBABLE
        if model in self._models:
            if version == self._version:
                return DeviceSupport.EXACT
            return DeviceSupport.COMPLETE
        return DeviceSupport.PROBABLE


class BaseSnomPlugin(StandardPlugin):
    """Model plugins set _MODELS and pg_associator."""

    _MODELS = []
    _ENCODING = 'UTF-8'
    _COMMON_TEMPLATE = 'common/snom-model.htm.tpl'
    _SENSITIVE_FILENAME_REGEX = re.compile(r'^snom\w+-[\dA-F]{12}\.htm$')

    http_dev_info_extractor = BaseSnomHTTPDeviceInfoExtractor()

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._app = app
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
        # firmware downloads are offered when the plugin ships package definitions
        if os.path.isdir(os.path.join(plugin_dir, FetchfwPluginHelper.PKG_DIR)):
            downloaders = FetchfwPluginHelper.new_downloaders((gen_cfg or {}).get('proxies'))
            self.services = FetchfwPluginHelper(plugin_dir, downloaders).services()
        self.http_service = HTTPNoListingFileService(self._tftpboot_dir)
        self.tftp_service = TFTPFileService(self._tftpboot_dir)

    def configure_common(self, raw_config):
        # snom<model>.htm: what a factory-reset phone asks for first
        tpl = self._tpl_helper.get_template(self._COMMON_TEMPLATE)
        for model in self._MODELS:
            dst = os.path.join(self._tftpboot_dir, 'snom%s.htm' % model)
            self._tpl_helper.dump(tpl, dict(raw_config, model=model), dst, self._ENCODING)

    def _dev_specific_filename(self, device):
        return 'snom%s-%s.htm' % (device['model'], format_mac(device['mac'], separator='', uppercase=True))

    def _check_device(self, device):
        for key in ('mac', 'model'):
            if key not in device:
                raise Exception('%s needed for device configuration' % key)

    def configure(self, device, raw_config):
        if 'http_port' not in raw_config:
            raise RawConfigError('only support configuration via HTTP')
        self._check_device(device)
        if device['model'] not in self._MODELS:
            logger.warning('unsupported model %s', device['model'])
        filename = self._dev_specific_filename(device)
        tpl = self._tpl_helper.get_dev_template(filename, device)
        raw_config.setdefault('funckeys', {})
        raw_config['model'] = device['model']
        path = os.path.join(self._tftpboot_dir, filename)
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
        if 'mac' not in device or 'model' not in device:
            return None
        return self._dev_specific_filename(device)

    def is_sensitive_filename(self, filename):
        return bool(self._SENSITIVE_FILENAME_REGEX.match(filename))
