"""Configure a device with every plugin provd installed, as provd does.

After `consumer.py <channel> --workdir <dir>` has installed each plugin into
<dir>/<id>/plugins/<id>, this loads each one with provd's own PluginManager
and, for each capability of its plugin-info ("Vendor, Model, Version"):
asks its pg_associator about that device, configure()s it with a raw config
holding one SIP line and one function key, reads the file the device will
fetch (get_remote_state_trigger_filename), then deconfigure()s it.

usage: provd_configure.py <consumer.py> <workdir>
Prints {plugin_id: [{model, support, filename, sensitive, content, removed} | {model, error}]} as JSON.
"""
import glob
import json
import os
import sys
import warnings

DEBIAN_PYTHON = '/usr/bin/python3'


def _ensure_interpreter():
    # provd's deps are Debian packages: same re-exec as consumer.py
    try:
        import twisted  # noqa: F401
    except ImportError:
        if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON):
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
        raise


RAW_CONFIG = {
    'ip': '10.0.0.1',
    'http_port': 8667,
    'tftp_port': 69,
    'ntp_ip': '10.0.0.2',
    'sip_proxy_ip': '10.0.0.3',
    'exten_voicemail': '*98',
    'sip_lines': {
        '1': {
            'proxy_ip': '10.0.0.3',
            'username': 'line-user-1',
            'auth_username': 'line-user-1',
            'password': 'secret',
            'display_name': 'Ann',
            'voicemail': '*98',
        }
    },
    'funckeys': {'1': {'type': 'speeddial', 'value': 'fkey-1001', 'label': 'Bob', 'line': 1}},
}


def main():
    consumer, workdir = sys.argv[1], sys.argv[2]
    _ensure_interpreter()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(consumer)), 'pythonpath'))
    warnings.simplefilter('ignore')
    from wazo_provd.plugins import PluginManager

    class App:
        proxies = {}

    report = {}
    for plugins_dir in sorted(glob.glob(os.path.join(workdir, '*', 'plugins'))):
        pm = PluginManager(App(), plugins_dir, os.path.join(workdir, 'cache'), True, True, True)
        for pid in sorted(os.listdir(plugins_dir)):
            if not os.path.isdir(os.path.join(plugins_dir, pid)):
                continue
            pm.load(pid, {'proxies': {}}, {})
            plugin = pm[pid]
            results = report.setdefault(pid, [])
            for capability in sorted(plugin.info['capabilities']):
                vendor, model, version = [part.strip() for part in capability.split(',')]
                device = {'mac': '00:11:22:33:44:aa', 'vendor': vendor, 'model': model, 'version': version}
                try:
                    support = int(plugin.pg_associator.associate(dict(device)))
                    plugin.configure(dict(device), json.loads(json.dumps(RAW_CONFIG)))
                    filename = plugin.get_remote_state_trigger_filename(device)
                    path = os.path.join(plugin._tftpboot_dir, filename)
                    with open(path, 'rb') as f:
                        content = f.read().decode('utf-8', 'replace')
                    plugin.deconfigure(dict(device))
                    results.append({
                        'model': model,
                        'support': support,
                        'filename': filename,
                        'sensitive': plugin.is_sensitive_filename(filename),
                        'content': content,
                        'removed': not os.path.exists(path),
                    })
                except Exception as e:
                    results.append({'model': model, 'error': f'{type(e).__name__}: {e}'})
            pm.unload(pid)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
