"""smoke.py: render every declared phone of one plugin package with the real provd.

usage: smoke.py <request.json> <reply.json>

The request names the package, the plugin id, a work folder (created and removed
by the caller) and the custom devices of provd-test.json files (already checked
against provd-test.schema.json). The reply holds, for configure_common and for
each device, every file the plugin wrote into its folder, with volatile values
pinned or redacted (see VOLATILE below), or the error that stopped it.

provd's own code does the work: a one-package channel served on 127.0.0.1,
PluginManager.update/install (SHA-1 checked, tarfile extraction), load (entry.py
exec'd, IS_PLUGIN class), configure_common with provd's base raw config, then per
device the raw config steps of ProvisioningApplication._dev_configure
(_set_defaults_raw_config, RawConfigSchema) before configure(). provd logs and
swallows what configure raises; here every exception is a failure, and so is a
device for which nothing was written.

VOLATILE: the clock is pinned (time, datetime: 2000-01-01T00:00:00Z), and so is
randomness (random, os.urandom, uuid, secrets: seeded per device), hash seeds and
TZ (by the caller). Each configure runs twice, the second time with another clock
and seed; whatever still differs is redacted: in a line, the span from the first
to the last differing character, widened to whole words, becomes `[volatile]`;
differing lines of unequal count become one `[volatile lines]` line; a binary file
that differs becomes `[volatile binary file]`. The work folder's path, should a
plugin write it, becomes `<plugin-dir>`.
"""
import base64
import copy
import datetime as _datetime_module
import difflib
import functools
import hashlib
import http.server
import json
import os
import random as _random_module
import re
import shutil
import sys
import tarfile
import threading
import time as _time_module
import traceback
import warnings

REQUEST, REPLY = sys.argv[1], sys.argv[2]
EXIT_NO_PROVD = 3


def write_reply(reply):
    tmp = REPLY + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(reply, f)
    os.replace(tmp, REPLY)


try:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from twisted.internet import defer, task
        from wazo_provd.app import _check_common_raw_config_validity, _set_defaults_raw_config
        from wazo_provd.config import _DEFAULT_CONFIG, _update_general_base_raw_config
        from wazo_provd.devices.schemas import DeviceSchema, RawConfigSchema
        from wazo_provd.operation import OIP_SUCCESS
        from wazo_provd.plugins import PluginManager
except ImportError as e:
    write_reply({'fatal': f'provd cannot be imported: {type(e).__name__}: {e}', 'noProvd': True})
    sys.exit(EXIT_NO_PROVD)
warnings.simplefilter('ignore', DeprecationWarning)

# ---------------------------------------------------------------- pinned clock and randomness

EPOCHS = (946684800.0, 1321009871.0)  # 2000-01-01T00:00:00Z, then 2011-11-11T11:11:11Z for the second render


class Pin:
    active = False
    epoch = EPOCHS[0]
    rng = _random_module.Random(0)


_real = {
    'time': _time_module.time,
    'time_ns': _time_module.time_ns,
    'localtime': _time_module.localtime,
    'gmtime': _time_module.gmtime,
    'ctime': _time_module.ctime,
    'asctime': _time_module.asctime,
    'strftime': _time_module.strftime,
    'urandom': os.urandom,
    'random_urandom': getattr(_random_module, '_urandom', os.urandom),
}


def _pinned_time():
    return Pin.epoch if Pin.active else _real['time']()


def _pinned_time_ns():
    return int(Pin.epoch * 1e9) if Pin.active else _real['time_ns']()


def _with_default_time(name):
    real = _real[name]

    def f(*args):
        if not args and Pin.active:
            return real(Pin.epoch)
        return real(*args)

    return f


def _pinned_strftime(fmt, *args):
    if not args and Pin.active:
        return _real['strftime'](fmt, _real['localtime'](Pin.epoch))
    return _real['strftime'](fmt, *args)


def _pinned_asctime(*args):
    if not args and Pin.active:
        return _real['asctime'](_real['localtime'](Pin.epoch))
    return _real['asctime'](*args)


def _pinned_urandom(n):
    return bytes(Pin.rng.getrandbits(8) for _ in range(n)) if Pin.active else _real['urandom'](n)


class PinnedDateTime(_datetime_module.datetime):
    @classmethod
    def now(cls, tz=None):
        if not Pin.active:
            return super().now(tz)
        return cls.fromtimestamp(Pin.epoch, tz)

    @classmethod
    def utcnow(cls):
        if not Pin.active:
            return super().utcnow()
        return cls.utcfromtimestamp(Pin.epoch)

    @classmethod
    def today(cls):
        return cls.now()


class PinnedDate(_datetime_module.date):
    @classmethod
    def today(cls):
        if not Pin.active:
            return super().today()
        return cls.fromtimestamp(Pin.epoch)


def install_pins():
    # before the plugin is loaded, so `from time import time` in its code binds the pinned one;
    # inactive (the real functions) outside configure calls, so provd and twisted keep their clock
    _time_module.time = _pinned_time
    _time_module.time_ns = _pinned_time_ns
    for name in ('localtime', 'gmtime', 'ctime'):
        setattr(_time_module, name, _with_default_time(name))
    _time_module.strftime = _pinned_strftime
    _time_module.asctime = _pinned_asctime
    _datetime_module.datetime = PinnedDateTime
    _datetime_module.date = PinnedDate
    os.urandom = _pinned_urandom
    _random_module._urandom = _pinned_urandom


class pinned:
    """Clock at EPOCHS[render], randomness seeded from the device name and the render."""

    def __init__(self, name, render):
        self.seed = int(hashlib.sha1(f'{name}/{render}'.encode()).hexdigest()[:8], 16)
        self.epoch = EPOCHS[render]

    def __enter__(self):
        Pin.epoch = self.epoch
        Pin.rng = _random_module.Random(self.seed)
        _random_module.seed(self.seed)
        Pin.active = True

    def __exit__(self, *exc):
        Pin.active = False
        _random_module.seed()


# ---------------------------------------------------------------- errors


class SmokeError(Exception):
    pass


def describe(e, plugin_dir):
    """One line: the exception, and where in the plugin (or its template) it was raised."""
    text = f'{type(e).__name__}: {e}'.strip()
    text = ' '.join(line.strip() for line in text.splitlines() if line.strip())
    where = None
    filename = getattr(e, 'filename', None)
    lineno = getattr(e, 'lineno', None)
    if filename and lineno and str(filename) not in text:  # jinja2 syntax errors carry their template
        where = f'{relative(str(filename), plugin_dir)} line {lineno}'
    if where is None:
        for frame in reversed(traceback.extract_tb(e.__traceback__)):
            if frame.filename.startswith(plugin_dir + os.sep) or frame.filename.endswith('.tpl'):
                where = f'{relative(frame.filename, plugin_dir)} line {frame.lineno}'
                break
    return f'{text} ({where})' if where else text


def relative(path, plugin_dir):
    return os.path.relpath(path, plugin_dir) if path.startswith(plugin_dir + os.sep) else path


# ---------------------------------------------------------------- the plugin folder, before and after


def tree_state(root):
    """relative path -> (size, mtime_ns, inode) for files and links; folders as None."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        for d in dirnames:
            state[os.path.normpath(os.path.join(rel_dir, d))] = None
        for f in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, f))
            st = os.lstat(os.path.join(root, rel))
            state[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return state


def written_files(root, before, after):
    return sorted(p for p, sig in after.items() if sig is not None and before.get(p, 'new') != sig)


def read_files(root, paths, work_dir):
    files = {}
    for rel in paths:
        full = os.path.join(root, rel)
        if os.path.islink(full):
            files[rel] = ('text', f'[link to {os.readlink(full)}]')
            continue
        with open(full, 'rb') as f:
            data = f.read()
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError:
            files[rel] = ('base64', data)
        else:
            files[rel] = ('text', text.replace(root, '<plugin-dir>').replace(work_dir, '<work>'))
    return files


def restore(root, baseline, before, after):
    """Put the plugin folder back as it was before (baseline: a copy of it then)."""
    for rel in sorted((p for p in after if p not in before), key=lambda p: -p.count(os.sep)):
        full = os.path.join(root, rel)
        if after[rel] is None and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        elif os.path.lexists(full):
            os.remove(full)
    for rel, sig in before.items():
        if sig is None:
            os.makedirs(os.path.join(root, rel), exist_ok=True)
        elif after.get(rel) != sig:
            full = os.path.join(root, rel)
            if os.path.lexists(full):
                os.remove(full)
            src = os.path.join(baseline, rel)
            if os.path.islink(src):
                os.symlink(os.readlink(src), full)
            else:
                shutil.copy2(src, full)


def snapshot_copy(root, dest):
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(root, dest, symlinks=True)


# ---------------------------------------------------------------- volatile values

WORD = re.compile(r'[A-Za-z0-9_.:+/=-]')


def redact_line(a, b):
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    start, end = p, len(a) - s
    while start > 0 and WORD.match(a[start - 1]):
        start -= 1
    while end < len(a) and WORD.match(a[end]):
        end += 1
    return a[:start] + '[volatile]' + a[end:]


def redact(a, b):
    """a with what differs from b redacted (both renders of one file)."""
    if a == b:
        return a
    la, lb = a.split('\n'), b.split('\n')
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if op == 'equal':
            out.extend(la[i1:i2])
        elif op == 'replace' and i2 - i1 == j2 - j1:
            out.extend(redact_line(x, y) for x, y in zip(la[i1:i2], lb[j1:j2]))
        elif i2 > i1 or j2 > j1:
            out.append('[volatile lines]')
    return '\n'.join(out)


def merge_renders(first, second, what):
    """The snapshot of one step's files from its two renders, volatile values redacted."""
    if set(first) != set(second):
        only = sorted(set(first) ^ set(second))
        raise SmokeError(f'{what} writes files whose names change from one render to the next (clock or random based): {", ".join(only)}')
    merged = {}
    redacted = []
    for rel, (kind, value) in first.items():
        kind2, value2 = second[rel]
        if kind == 'text' and kind2 == 'text':
            merged[rel] = {'text': redact(value, value2)}
        elif (kind, value) == (kind2, value2):
            merged[rel] = {'base64': base64.b64encode(value).decode('ascii')}
        else:
            merged[rel] = {'text': '[volatile binary file]\n'}
        if (kind, value) != (kind2, value2):
            redacted.append(rel)
    return merged, redacted


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


# ---------------------------------------------------------------- the channel


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f'http://127.0.0.1:{server.server_address[1]}/'


def channel_entry(plugin_id, package_file):
    """plugins.db's entry for the package: its plugin-info plus filename, dsize, sha1sum."""
    with open(package_file, 'rb') as f:
        data = f.read()
    try:
        tf = tarfile.open(package_file)
    except Exception as e:
        raise SmokeError(f'{package_file} is not a readable package: {type(e).__name__}: {e}')
    with tf:
        for m in tf.getmembers():
            n = os.path.normpath(m.name)
            if m.name.startswith('/') or n == '..' or n.startswith('../') or n.split('/')[0] != plugin_id:
                raise SmokeError(f'{package_file}: member {m.name!r} is outside {plugin_id}/ (not handed to provd)')
        try:
            info = json.load(tf.extractfile(f'{plugin_id}/plugin-info'))
        except Exception as e:
            raise SmokeError(f'{package_file}: {plugin_id}/plugin-info cannot be read: {type(e).__name__}: {e}')
    if not isinstance(info, dict) or not isinstance(info.get('capabilities'), dict):
        raise SmokeError(f'{package_file}: {plugin_id}/plugin-info has no capabilities object')
    entry = dict(info)
    entry.update({
        'filename': os.path.basename(package_file),
        'dsize': len(data),
        'sha1sum': hashlib.sha1(data).hexdigest(),
    })
    return entry


class App:
    """What PluginManager and plugins need of ProvisioningApplication here (as consumer.py's AppStub)."""

    proxies = {}
    nat = 0
    tenants = {}

    def dev_update(self, *args, **kwargs):
        return defer.succeed(None)


# ---------------------------------------------------------------- the run


async def install(req, work):
    plugin_id, package_file = req['pluginId'], req['packageFile']
    channel = os.path.join(work, 'channel')
    os.makedirs(channel)
    entry = channel_entry(plugin_id, package_file)
    shutil.copyfile(package_file, os.path.join(channel, entry['filename']))
    with open(os.path.join(channel, 'plugins.db'), 'w') as f:
        json.dump({plugin_id: entry}, f, sort_keys=True)
    server, url = serve(channel)
    try:
        os.makedirs(os.path.join(work, 'cache'))
        pm = PluginManager(App(), os.path.join(work, 'plugins'), os.path.join(work, 'cache'), True, True, True)
        pm.server = url
        try:
            d, _ = pm.update()
            await d
            pm.list_installable()
        except Exception as e:
            raise SmokeError(f'provd refuses the channel: {type(e).__name__}: {e}')
        try:
            d, oip = pm.install(plugin_id)
            await d
        except Exception as e:
            raise SmokeError(f'provd cannot install the package: {type(e).__name__}: {e}')
        if oip.state != OIP_SUCCESS:
            raise SmokeError(f'provd cannot install the package: install state {oip.state}')
        if plugin_id not in pm.list_installed():
            raise SmokeError(f'provd installed no {plugin_id}/ from the package')
        return pm, entry
    finally:
        server.shutdown()
        server.server_close()


def configure_all(req, work, pm, entry, reply):
    plugin_id = req['pluginId']
    plugins_dir = os.path.realpath(os.path.join(work, 'plugins'))
    plugin_dir = os.path.join(plugins_dir, plugin_id)
    gen_cfg = copy.deepcopy(_DEFAULT_CONFIG['general'])
    gen_cfg.update({'base_storage_dir': work, 'cache_dir': os.path.join(work, 'cache'), 'proxies': {}})
    devices, base_extra, raw_extra = plan_devices(plugin_id, entry['capabilities'], req.get('custom') or {})
    base = base_raw_config(base_extra)

    install_pins()
    try:
        with pinned('load', 0):
            pm.load(plugin_id, gen_cfg, {})
    except Exception as e:
        raise SmokeError(f'provd cannot load the plugin (entry.py): {describe(e, plugin_dir)}')
    plugin = pm[plugin_id]
    reply['pluginClass'] = type(plugin).__name__

    # configure_common, rendered twice from the same folder: what differs is volatile
    pristine = os.path.join(work, 'pristine')
    snapshot_copy(plugin_dir, pristine)
    before = tree_state(plugin_dir)
    renders = []
    for render in (0, 1):
        with pinned('common', render):
            try:
                plugin.configure_common(copy.deepcopy(base))
            except Exception as e:
                raise SmokeError(f'configure_common() raised {describe(e, plugin_dir)}')
        after = tree_state(plugin_dir)
        renders.append(read_files(plugin_dir, written_files(plugin_dir, before, after), work))
        if render == 0:
            restore(plugin_dir, pristine, before, after)
    reply['common'], redacted = merge_renders(renders[0], renders[1], 'configure_common()')
    reply['redacted'] += [f'_common/{r}' for r in redacted]

    baseline = os.path.join(work, 'baseline')
    snapshot_copy(plugin_dir, baseline)
    before = tree_state(plugin_dir)
    for spec in devices:
        result = {'name': spec['name'], 'vendor': spec['vendor'], 'model': spec['model'], 'version': spec.get('version'), 'source': spec['source']}
        reply['devices'].append(result)
        try:
            device = build_device(plugin_id, spec)
            try:
                DeviceSchema.validate(device)
            except Exception as e:
                raise SmokeError(f'device rejected by provd (DeviceSchema): {e}')
            raw = build_raw_config(base, raw_extra, spec)
            result['mac'], result['ip'] = device['mac'], device['ip']
            renders = []
            for render in (0, 1):
                with pinned(spec['name'], render):
                    try:
                        plugin.configure(copy.deepcopy(device), copy.deepcopy(raw))
                    except Exception as e:
                        raise SmokeError(f'configure() raised {describe(e, plugin_dir)}')
                    after = tree_state(plugin_dir)
                    renders.append(read_files(plugin_dir, written_files(plugin_dir, before, after), work))
                    try:
                        plugin.deconfigure(copy.deepcopy(device))
                    except Exception as e:
                        raise SmokeError(f'deconfigure() raised {describe(e, plugin_dir)}')
                # each device from the same folder, as if it were the only one
                restore(plugin_dir, baseline, before, tree_state(plugin_dir))
            files, redacted = merge_renders(renders[0], renders[1], 'configure()')
            if not files:
                raise SmokeError('configure() wrote no file for this device')
            result['files'] = files
            reply['redacted'] += [f'{spec["name"]}/{r}' for r in redacted]
        except SmokeError as e:
            result['error'] = str(e)
            restore(plugin_dir, baseline, before, tree_state(plugin_dir))
        except Exception as e:  # our own code failing on odd input: still one clear line
            result['error'] = f'{type(e).__name__}: {e}'
            restore(plugin_dir, baseline, before, tree_state(plugin_dir))
    try:
        pm.unload(plugin_id)
    except Exception as e:
        reply['errors'].append(f'unload() raised {describe(e, plugin_dir)}')


async def run(req):
    work = os.path.realpath(req['workDir'])
    reply = {'common': {}, 'devices': [], 'errors': [], 'redacted': []}
    try:
        pm, entry = await install(req, work)
        reply['version'] = entry.get('version')
        configure_all(req, work, pm, entry, reply)
    except SmokeError as e:
        reply['fatal'] = str(e)
    except Exception as e:
        reply['fatal'] = f'{type(e).__name__}: {e}'
        reply['traceback'] = traceback.format_exc()
    write_reply(reply)


def main():
    with open(REQUEST, encoding='utf-8') as f:
        req = json.load(f)
    task.react(lambda reactor: defer.ensureDeferred(run(req)))


if __name__ == '__main__':
    main()
