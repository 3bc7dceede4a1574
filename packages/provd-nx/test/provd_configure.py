"""Configure one device with an installed plugin through provd's PluginManager:
load, configure (the device file rendered from the plugin's templates),
associate, deconfigure. Prints a JSON report.

usage: provd_configure.py <provd-pythonpath> <consumer-workdir-of-plugin> <plugin-id>
"""
import json
import os
import sys
import warnings

warnings.simplefilter('ignore')
sys.path.insert(0, sys.argv[1])
from wazo_provd.plugins import PluginManager  # noqa: E402


class App:
    proxies = {}


def main():
    root, pid = sys.argv[2], sys.argv[3]
    pm = PluginManager(App(), os.path.join(root, 'plugins'), os.path.join(root, 'cache'), True, True, True)
    pm.load(pid, {'proxies': {}}, {})
    plugin = pm[pid]
    info = plugin.info
    vendor, model, firmware = [p.strip() for p in sorted(info['capabilities'])[0].split(',')]
    device = {'mac': '00:11:22:33:44:55', 'vendor': vendor, 'model': model, 'version': firmware}
    raw = {
        'ip': '10.0.0.1', 'http_port': 8667, 'tftp_port': 69, 'sip_proxy_ip': '10.0.0.2',
        'sip_lines': {'1': {'display_name': 'Alice', 'username': 'alice', 'password': 's3cret', 'proxy_ip': None}},
    }
    plugin.configure(device, raw)
    filename = plugin.get_remote_state_trigger_filename(device)
    path = os.path.join(root, 'plugins', pid, 'var', 'tftpboot', filename)
    with open(path) as f:
        content = f.read()
    support = int(plugin.pg_associator.associate(device))
    plugin.deconfigure(device)
    print(json.dumps({
        'filename': filename,
        'sensitive': plugin.is_sensitive_filename(filename),
        'content': content,
        'support': support,
        'removed': not os.path.exists(path),
    }))
    pm.unload(pid)


if __name__ == '__main__':
    main()
