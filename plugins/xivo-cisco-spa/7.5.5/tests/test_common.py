from unittest.mock import MagicMock

import pytest
from wazo_provd.devices.config import RawConfigError
from wazo_provd.devices.pgasso import DeviceSupport

from plugins.xivo_cisco_spa.common.common import (
    BaseCiscoDHCPDeviceInfoExtractor,
    BaseCiscoHTTPDeviceInfoExtractor,
    BaseCiscoPlugin,
    BaseCiscoTFTPDeviceInfoExtractor,
)


def http_request(user_agent, path=b'/spa000e08d1c2e3.xml'):
    request = MagicMock()
    request.getHeader.return_value = user_agent
    request.path = path
    return request


class TestDeviceInfoExtractors:
    def test_dhcp_vendor_class(self):
        extractor = BaseCiscoDHCPDeviceInfoExtractor()
        assert extractor._do_extract({'options': {60: b'LINKSYS SPA-942'}}) == {'vendor': 'Cisco', 'model': 'SPA942'}
        assert extractor._do_extract({'options': {60: b'Polycom SoundPoint'}}) is None
        assert extractor._do_extract({'options': {}}) is None

    def test_http_user_agent_with_mac(self):
        extractor = BaseCiscoHTTPDeviceInfoExtractor()
        info = extractor._do_extract(http_request(b'Cisco/SPA2102-5.2.12 (000E08D1C2E3)(FM00F1234567)'))
        assert info == {'vendor': 'Cisco', 'model': 'SPA2102', 'version': '5.2.12', 'sn': 'FM00F1234567', 'mac': '00:0e:08:d1:c2:e3'}

    def test_http_user_agent_mac_from_path(self):
        extractor = BaseCiscoHTTPDeviceInfoExtractor()
        info = extractor._do_extract(http_request(b'Linksys/SPA-942-6.1.5(a) (88019FA42805)', b'/spa000e08aabbcc.xml'))
        assert info['model'] == 'SPA942'
        assert info['mac'] == '00:0e:08:aa:bb:cc'

    def test_tftp_filenames(self):
        extractor = BaseCiscoTFTPDeviceInfoExtractor()
        assert extractor._do_extract({'packet': {'filename': b'/spa942.cfg'}}) == {'vendor': 'Cisco', 'model': 'SPA942'}
        assert extractor._do_extract({'packet': {'filename': b'init.cfg'}}) == {'vendor': 'Cisco', 'model': 'PAP2T'}
        assert extractor._do_extract({'packet': {'filename': b'other.cfg'}}) is None


class TestModelEntry:
    def test_plugin_class(self, entry):
        assert entry.CiscoPlugin.IS_PLUGIN is True
        assert issubclass(entry.CiscoPlugin, BaseCiscoPlugin)
        assert sorted(entry.CiscoPlugin._COMMON_FILENAMES) == ['spa941.cfg', 'spa942.cfg']

    @pytest.mark.parametrize(
        'vendor, model, version, support',
        [
            ('Cisco', 'SPA941', '7.5.5', DeviceSupport.EXACT),
            ('Cisco', 'SPA942', '7.5.4', DeviceSupport.COMPLETE),
            ('Cisco', 'SPA2102', None, DeviceSupport.IMPROBABLE),
            ('Cisco', None, None, DeviceSupport.PROBABLE),
            ('Snom', 'SPA941', '7.5.5', DeviceSupport.IMPROBABLE),
        ],
    )
    def test_pg_associator(self, entry, vendor, model, version, support):
        assert entry.CiscoPlugin.pg_associator._do_associate(vendor, model, version) == support


class TestConfigChecks:
    def test_http_port_required(self):
        with pytest.raises(RawConfigError):
            BaseCiscoPlugin._check_config(None, {'ip': '10.0.0.1'})

    def test_mac_required(self):
        with pytest.raises(Exception, match='MAC address needed'):
            BaseCiscoPlugin._check_device(None, {'ip': '10.0.0.9'})

    def test_sensitive_filenames(self):
        assert BaseCiscoPlugin.is_sensitive_filename(BaseCiscoPlugin, 'spa000e08d1c2e3.xml')
        assert not BaseCiscoPlugin.is_sensitive_filename(BaseCiscoPlugin, 'spa942.cfg')
