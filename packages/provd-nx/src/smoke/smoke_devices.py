"""Raw configs and devices of the smoke test (smoke.py): one per declared capability, plus provd-test.json's.
Imported once smoke.py has found provd (it reports a missing provd itself)."""
import copy
import hashlib
import json
import re

from wazo_provd.app import _check_common_raw_config_validity, _set_defaults_raw_config
from wazo_provd.config import _DEFAULT_CONFIG, _update_general_base_raw_config
from wazo_provd.devices.schemas import RawConfigSchema

from smoke_errors import SmokeError


# ---------------------------------------------------------------- raw configs and devices


def base_raw_config(extra):
    cfg = {'general': copy.deepcopy(_DEFAULT_CONFIG['general'])}
    cfg['general']['base_raw_config'] = {'X_comment': 'provd smoke test', 'ip': '10.0.0.1', 'http_port': 8667}
    cfg['general']['advertised_http_url'] = 'http://10.0.0.1:8667'
    _update_general_base_raw_config(cfg)  # provd's own defaults (tftp_port, http_base_url)
    raw = cfg['general']['base_raw_config']
    merge(raw, extra)
    _check_common_raw_config_validity(raw)
    return raw


def sample_line(n):
    return {
        'proxy_ip': '10.0.0.3',
        'proxy_port': 5060,
        'username': f'line-user-{n}',
        'auth_username': f'line-user-{n}',
        'password': f'secret-{n}',
        'display_name': f'Line {n}',
        'number': f'100{n}',
        'voicemail': '*98',
    }


def sample_raw_config(lines):
    """What a Wazo stack gives a SIP phone's config: two lines and a function key by default."""
    return {
        'ip': '10.0.0.1',
        'http_port': 8667,
        'http_base_url': 'http://10.0.0.1:8667',
        'tftp_port': 69,
        'ntp_enabled': True,
        'ntp_ip': '10.0.0.2',
        'syslog_enabled': True,
        'syslog_ip': '10.0.0.4',
        'admin_username': 'admin',
        'admin_password': 'admin-secret',
        'user_username': 'user',
        'user_password': 'user-secret',
        'timezone': 'Europe/Paris',
        'locale': 'fr_FR',
        'protocol': 'SIP',
        'sip_proxy_ip': '10.0.0.3',
        'sip_proxy_port': 5060,
        'sip_dtmf_mode': 'RTP-out-of-band',
        'sip_subscribe_mwi': True,
        'exten_dnd': '*25',
        'exten_fwd_unconditional': '*21',
        'exten_fwd_no_answer': '*22',
        'exten_fwd_busy': '*23',
        'exten_fwd_disable_all': '*20',
        'exten_park': '700',
        'exten_pickup_call': '*8',
        'exten_voicemail': '*98',
        'X_xivo_phonebook_ip': '10.0.0.1',
        'sip_lines': {str(n): sample_line(n) for n in range(1, lines + 1)},
        'funckeys': {'1': {'type': 'speeddial', 'value': 'fkey-1001', 'label': 'Bob', 'line': 1}},
    }


def merge(dst, src):
    """provd's config chain merge (a child's keys win, dicts merge); None removes a key."""
    for key, value in (src or {}).items():
        if value is None:
            dst.pop(key, None)
        elif isinstance(value, dict) and isinstance(dst.get(key), dict):
            merge(dst[key], value)
        else:
            dst[key] = copy.deepcopy(value)
    return dst


def device_name(*parts):
    name = re.sub(r'[^A-Za-z0-9._+-]', '_', '-'.join(p for p in parts if p))
    return re.sub(r'^[^A-Za-z0-9]+', '', name) or 'device'


def made_up(name):
    h = hashlib.sha1(name.encode()).digest()
    mac = '02:' + ':'.join(f'{b:02x}' for b in h[:5])  # locally administered, never a real vendor's
    ip = f'10.{h[5]}.{h[6]}.{1 + h[7] % 254}'
    return mac, ip, hashlib.sha1(b'device/' + name.encode()).hexdigest()[:32]


def capability_parts(key):
    parts = [p.strip() for p in key.split(',')]
    if len(parts) != 3 or not all(parts):
        return None
    return parts


def plan_devices(plugin_id, capabilities, custom):
    """Every declared capability, then the custom devices of the family's and the model's provd-test.json."""
    devices = []
    caps = []
    for key in sorted(capabilities):
        parts = capability_parts(key)
        if parts is None:
            raise SmokeError(f'capability {key!r} of plugin-info is not "Vendor, Model, Version"')
        caps.append(parts)
    names = set()
    for vendor, model, version in caps:
        name = device_name(model, version)
        if name in names:
            name = device_name(vendor, model, version)
        names.add(name)
        devices.append({'name': name, 'vendor': vendor, 'model': model, 'version': version, 'source': 'capability'})

    base_extra = {}
    raw_extra = {}
    custom_devices = {}
    for scope in ('family', 'model'):
        entry = custom.get(scope)
        if not entry:
            continue
        data, file = entry['data'], entry['file']
        merge(base_extra, data.get('base_raw_config'))
        merge(raw_extra, data.get('raw_config'))
        for d in data.get('devices', []):
            model = d.get('model')
            if scope == 'family' and model is not None and not any(c[1] == model for c in caps):
                continue  # a family-wide device for a model this plugin does not declare
            match = next((c for c in caps if model is None or c[1] == model), None)
            vendor = d.get('vendor') or (match[0] if match else None)
            version = d.get('version') or (match[2] if match and (model is None or match[1] == model) else None)
            if match is None and (vendor is None or model is None):
                raise SmokeError(
                    f'{file}: device {d["name"]!r}: give its vendor and model: '
                    + (f'model {model!r} is not declared by the capabilities of {plugin_id}' if model else f'{plugin_id} declares no capability')
                )
            custom_devices[d['name']] = {
                'name': d['name'],
                'vendor': vendor,
                'model': model or match[1],
                'version': version,
                'lines': d.get('lines'),
                'device': d.get('device') or {},
                'raw_config': d.get('raw_config') or {},
                'source': file,
            }
    for d in custom_devices.values():
        if d['name'] in names:
            # a custom device named like a capability device replaces it
            devices = [x for x in devices if x['name'] != d['name']]
        names.add(d['name'])
        devices.append(d)
    return devices, base_extra, raw_extra


def build_device(plugin_id, spec):
    mac, ip, dev_id = made_up(spec['name'])
    device = {
        'id': dev_id,
        'mac': mac,
        'ip': ip,
        'vendor': spec['vendor'],
        'model': spec['model'],
        'plugin': plugin_id,
        'config': f'smoke-{spec["name"]}',
        'configured': True,
    }
    if spec.get('version'):
        device['version'] = spec['version']
    merge(device, spec.get('device'))
    return device


def build_raw_config(base, raw_extra, spec):
    raw = copy.deepcopy(base)
    lines = spec.get('lines')
    merge(raw, sample_raw_config(2 if lines is None else lines))
    merge(raw, raw_extra)
    merge(raw, spec.get('raw_config'))
    _set_defaults_raw_config(raw)  # as _dev_configure does
    try:
        RawConfigSchema.validate(raw)
    except Exception as e:
        errors = e.errors() if hasattr(e, 'errors') else None
        if errors:
            detail = '; '.join(f'{".".join(str(x) for x in err["loc"]) or "raw config"}: {err["msg"]}' for err in errors)
        else:
            detail = f'{type(e).__name__}: {e}'
        raise SmokeError(f'raw config rejected by provd (RawConfigSchema): {detail}')
    return raw
