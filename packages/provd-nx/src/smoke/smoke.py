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
import copy
import functools
import hashlib
import http.server
import json
import os
import shutil
import sys
import tarfile
import threading
import traceback
import warnings


# the script's own folder is on sys.path when python3 runs it: its parts, one concept each
from smoke_pins import install_pins, pinned
from smoke_errors import SmokeError, describe
from smoke_files import tree_state, written_files, read_files, restore, snapshot_copy, merge_renders

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

from smoke_devices import base_raw_config, build_device, build_raw_config, plan_devices  # noqa: E402 (needs provd)

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
