# -*- coding: utf-8 -*-

# Common code shared by every xivo-cisco-spa plugin.
#
# Each model's entry.py execs this file through provd's execfile_(), so the
# names defined here end up in the caller's "common_globals" dictionary and
# the model's IS_PLUGIN class derives from BaseCiscoPlugin.

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

logger = logging.getLogger('plugin.xivo-cisco-spa')


def _norm_model(raw_model):
    # "SPA-942" and "spa942" are both SPA942
    return raw_model.replace('-', '').upper()


class BaseCiscoDHCPDeviceInfoExtractor:
    _RAW_VENDORS = ('LINKSYS', 'Cisco')

    def extract(self, request, request_type):
        return defer.succeed(self._do_extract(request))

    def _do_extract(self, request):
        # option 60 (vendor class identifier): "LINKSYS SPA-942", "Cisco SPA2102"
        vdi = request.get('options', {}).get(60)
        if not vdi:
            return None
        if isinstance(vdi, bytes):
            vdi = vdi.decode('ascii', 'replace')
        tokens = vdi.split()
        if len(tokens) == 2 and tokens[0] in self._RAW_VENDORS:
            return {'vendor': 'Cisco', 'model': _norm_model(tokens[1])}
        return None


class BaseCiscoHTTPDeviceInfoExtractor:
    # "Linksys/SPA-942-6.1.5(a) (88019FA42805)", "Cisco/SPA2102-5.2.12 (000E08D1C2E3)(FM00F1234567)"
    _UA_REGEX = re.compile(
        r'^(?:Linksys|Cisco)/([\w-]+?)-(\d+\.[^\s]*) (?:\(([\dA-F]{12})\))?\(?(\w+)\)?$'
    )
    _PATH_REGEX = re.compile(r'\b(?:spa|PAP)([\da-fA-F]{12})\.xml$')

    def extract(self, request, request_type):
        return defer.succeed(self._do_extract(request))

    def _do_extract(self, request):
        ua = request.getHeader(b'User-Agent')
        if not ua:
            return None
        if isinstance(ua, bytes):
            ua = ua.decode('ascii', 'replace')
        m = self._UA_REGEX.match(ua)
        if not m:
            return None
        raw_model, version, raw_mac, sn = m.groups()
        dev_info = {
            'vendor': 'Cisco',
            'model': _norm_model(raw_model),
            'version': version,
            'sn': sn,
        }
        if raw_mac:
            dev_info['mac'] = norm_mac(raw_mac)
        else:
            path = request.path.decode('ascii', 'replace') if isinstance(request.path, bytes) else request.path
            pm = self._PATH_REGEX.search(path)
            if pm:
                dev_info['mac'] = norm_mac(pm.group(1))
        return dev_info


class BaseCiscoTFTPDeviceInfoExtractor:
    # SPA phones first ask for /spa<model>.cfg, PAP2T for /init.cfg
    _SPAFILE_REGEX = re.compile(r'^/?spa(\w+)\.cfg$')

    def extract(self, request, request_type):
        return defer.succeed(self._do_extract(request))

    def _do_extract(self, request):
        filename = request['packet']['filename']
        if isinstance(filename, bytes):
            filename = filename.decode('ascii', 'replace')
        m = self._SPAFILE_REGEX.match(filename)
        if m:
            return {'vendor': 'Cisco', 'model': _norm_model('SPA' + m.group(1))}
        if filename.lstrip('/') == 'init.cfg':
            return {'vendor': 'Cisco', 'model': 'PAP2T'}
        return None


class BaseCiscoPgAssociator(BasePgAssociator):
    def __init__(self, model_version):
        super().__init__()
        self._model_version = model_version

    def _do_associate(self, vendor, model, version):
        if vendor != 'Cisco':
            return DeviceSupport.IMPROBABLE
        if model in self._model_version:
            if version == self._model_version[model]:
                return DeviceSupport.EXACT
            return DeviceSupport.COMPLETE
        if model is not None:
            # another Cisco model: it would miss its common bootstrap file
            return DeviceSupport.IMPROBABLE
        return DeviceSupport.PROBABLE


class BaseCiscoPlugin(StandardPlugin):
    """Model plugins set _COMMON_FILENAMES (bootstrap files written by
    configure_common) and pg_associator."""

    _ENCODING = 'UTF-8'
    _COMMON_FILENAMES = []
    _COMMON_TEMPLATE = 'common/model.cfg.tpl'
    _SENSITIVE_FILENAME_REGEX = re.compile(r'^(?:spa|PAP)[\da-fA-F]{12}\.xml$')

    dhcp_dev_info_extractor = BaseCiscoDHCPDeviceInfoExtractor()
    http_dev_info_extractor = BaseCiscoHTTPDeviceInfoExtractor()
    tftp_dev_info_extractor = BaseCiscoTFTPDeviceInfoExtractor()

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
        tpl = self._tpl_helper.get_template(self._COMMON_TEMPLATE)
        for filename in self._COMMON_FILENAMES:
            dst = os.path.join(self._tftpboot_dir, filename)
            self._tpl_helper.dump(tpl, raw_config, dst, self._ENCODING)

    def _dev_specific_filename(self, device):
        # spa0011223344aa.xml, as asked by the Profile_Rule of base.tpl
        return 'spa%s.xml' % format_mac(device['mac'], separator='')

    def _check_config(self, raw_config):
        if 'http_port' not in raw_config:
            raise RawConfigError('only support configuration via HTTP')

    def _check_device(self, device):
        if 'mac' not in device:
            raise Exception('MAC address needed for device configuration')

    def configure(self, device, raw_config):
        self._check_config(raw_config)
        self._check_device(device)
        filename = self._dev_specific_filename(device)
        tpl = self._tpl_helper.get_dev_template(filename, device)
        raw_config.setdefault('funckeys', {})
        raw_config['plugin_id'] = self.id
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
        if 'mac' not in device:
            return None
        return self._dev_specific_filename(device)

    def is_sensitive_filename(self, filename):
        return bool(self._SENSITIVE_FILENAME_REGEX.match(filename))
