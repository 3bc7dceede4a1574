"""Read pkgs.db files and run their install recipes with xivo-fetchfw itself.

provd builds its firmware packages with xivo_fetchfw.storage (RawConfigParser, the
default remote file, install manager and package builders, the 'default' and 'auth'
downloaders): so do we, so that "parses" means "provd parses it". fetchfw stops at the
first error; we build each section on its own to report every problem, each naming
its section and key.

Request (stdin, JSON): {"op": "read", "files": [path...]}
                    or {"op": "install", "pkgsDb": path, "pkg": id, "files": {file id: path}, "scratch": dir}
Reply (stdout, JSON).
"""
import binascii
import configparser
import json
import os
import sys
import traceback
from binascii import a2b_hex


def fail_import(e):
    json.dump({'importError': f'{type(e).__name__}: {e}', 'sysPath': sys.path}, sys.stdout)
    sys.exit(0)


try:
    from xivo_fetchfw import download, install, storage, util
    from xivo_fetchfw.package import DefaultInstallerController, PackageManager
    from xivo_fetchfw.storage import (
        DefaultFilterBuilder,
        DefaultInstallMgrFactoryBuilder,
        DefaultPkgBuilder,
        DefaultRemoteFileBuilder,
    )
except ImportError as e:  # reported by the caller with the provd Python path to set
    fail_import(e)


def message(e):
    text = str(e)
    return text if text else type(e).__name__


def downloaders():
    # what provd's FetchfwPluginHelper gives its builder (no proxy)
    return download.new_downloaders_from_handlers([])


def read_config(path):
    config = configparser.RawConfigParser()
    with open(path, encoding='utf-8') as f:
        config.read_file(f)
    return config


def parse_error(e):
    """A configparser error as (section, key, message), with line numbers and no file path."""
    section = getattr(e, 'section', None)
    key = getattr(e, 'option', None)
    if isinstance(e, configparser.MissingSectionHeaderError):
        text = f'line {e.lineno}: {e.line.strip()!r} comes before any [section]'
    elif isinstance(e, configparser.ParsingError):
        # configparser keeps each line as its repr
        text = '; '.join(f"line {n}: '{line[1:-1].removesuffix(chr(92) + 'n')}' is neither a [section] nor a key = value" for n, line in e.errors)
    elif isinstance(e, configparser.DuplicateSectionError):
        text = f'line {e.lineno}: section [{e.section}] already exists'
    elif isinstance(e, configparser.DuplicateOptionError):
        text = f'line {e.lineno}: key {e.option!r} already set in [{e.section}]'
    else:
        text = message(e).replace('\n', ' ')
    return section, key, text


def read_one(path):
    out = {'file': path, 'files': [], 'pkgs': [], 'installs': [], 'problems': []}

    def problem(section, key, text):
        out['problems'].append({'section': section, 'key': key, 'message': text})

    try:
        config = read_config(path)
    except OSError as e:
        problem(None, None, f'cannot be read: {e.strerror or e}')
        return out
    except UnicodeDecodeError as e:
        problem(None, None, f'is not UTF-8 text: {e}')
        return out
    except configparser.Error as e:
        section, key, text = parse_error(e)
        problem(section, key, f'does not parse as provd reads it: {text}')
        return out

    pkg_sections, file_sections, install_sections = [], [], []
    for section in config.sections():
        if section.startswith('pkg_'):
            pkg_sections.append(section)
        elif section.startswith('file_'):
            file_sections.append(section)
        elif section.startswith('install_'):
            install_sections.append(section)
        else:
            problem(section, None, f"invalid section '{section}': provd knows pkg_, file_ and install_ sections")

    # files: fetchfw's own builder, one section at a time
    cache_dir = '/nonexistent-cache'
    rfile_builder = DefaultRemoteFileBuilder(cache_dir, downloaders())
    remote_files = {}
    paths = {}
    for section in file_sections:
        raw = dict(config.items(section))
        entry = {
            'section': section,
            'id': section[5:],
            'url': raw.get('url'),
            'size': raw.get('size'),
            'sha1sum': raw.get('sha1sum'),
            'filename': raw.get('filename'),
            'downloader': raw.get('downloader'),
        }
        for key in ('url', 'size', 'sha1sum'):
            if key not in raw:
                problem(section, key, f"missing '{key}'")
        # what build_remote_file reads, key by key, so that a problem names its key
        readable = all(key in raw for key in ('url', 'size', 'sha1sum'))
        if 'size' in raw:
            try:
                config.getint(section, 'size')
            except ValueError as e:
                problem(section, 'size', f'provd cannot read it: {message(e)}')
                readable = False
        if 'sha1sum' in raw:
            try:
                a2b_hex(raw['sha1sum'])
            except (ValueError, binascii.Error) as e:
                problem(section, 'sha1sum', f'provd cannot read it: {message(e)}')
                readable = False
        rfile = None
        if readable:
            try:
                rfile = rfile_builder.build_remote_file(config, section)
            except storage.ParsingError as e:
                problem(section, 'downloader', message(e))
        entry['built'] = rfile is not None
        if rfile is not None:
            entry['resolvedFilename'] = rfile.filename
            if rfile.path in paths:
                problem(section, 'filename' if 'filename' in raw else 'url',
                        f"two remote files use the same path '{rfile.filename}' ({paths[rfile.path]} and {section})")
            paths[rfile.path] = section
            remote_files[section[5:]] = rfile
        out['files'].append(entry)

    # install recipes: each step as fetchfw's DefaultInstallMgrFactory reads it
    filter_builder = DefaultFilterBuilder()
    factory_builder = DefaultInstallMgrFactoryBuilder(filter_builder, {})
    factories = {}
    for section in install_sections:
        steps = []
        for key, value in config.items(section):
            steps.append({'key': key, 'value': value})
        out['installs'].append({'section': section, 'id': section[8:], 'steps': steps})
        factories[section[8:]] = factory_builder.build_install_mgr_factory(config, section)

    # packages: fetchfw's package builder, which builds the install graph of each
    pkg_builder = DefaultPkgBuilder()
    install_problems = {}
    for section in pkg_sections:
        raw = dict(config.items(section))
        entry = {
            'section': section,
            'id': section[4:],
            'files': (raw.get('files') or '').split(),
            'install': (raw.get('install') or '').split()[:1] or None,
            'version': raw.get('version'),
            'description': raw.get('description'),
        }
        entry['install'] = entry['install'][0] if entry['install'] else None
        out['pkgs'].append(entry)
        missing = [f for f in entry['files'] if f not in remote_files]
        for f in missing:
            if f'file_{f}' in config.sections():
                continue  # its own problem is reported on the file section
            problem(section, 'files', f"names file '{f}' but there is no section [file_{f}]")
        if entry['install'] and entry['install'] not in factories:
            problem(section, 'install', f"names install '{entry['install']}' but there is no section [install_{entry['install']}]")
            continue
        if missing:
            continue
        for key in ('description', 'version'):
            if key not in raw:
                problem(section, key, f"missing '{key}' (provd lists every package with its {key})")
        try:
            pkg_builder.build_installable_pkg(config, section, section[4:], remote_files, factories)
        except (storage.ParsingError, install.InstallationGraphError, ValueError, KeyError) as e:
            # an unknown command or argument count (ValueError), an undefined $VARIABLE (KeyError)
            what = f'unknown variable ${e.args[0]}' if isinstance(e, KeyError) else message(e)
            where = f"install_{entry['install']}" if entry['install'] else section
            install_problems.setdefault((where, what), []).append(section[4:])
    # an install graph's problem once, naming the packages that use it
    for (where, what), users in install_problems.items():
        problem(where, None, f"{what} (as package{'s' if len(users) > 1 else ''} {', '.join(users)} use{'' if len(users) > 1 else 's'} it)")
    return out


class Step:
    """Wraps a filter so that a failure names its step (src-dst: command)."""

    def __init__(self, name, text, inner):
        self.name, self.text, self.inner = name, text, inner

    def apply(self, src, dst):
        try:
            self.inner.apply(src, dst)
        except Exception as e:
            raise StepFailed(self.name, self.text, e) from e


class StepFailed(Exception):
    def __init__(self, name, text, cause):
        super().__init__(f'{name}: {text}: {type(cause).__name__}: {message(cause)}')
        self.step, self.text, self.cause = name, text, cause


class Controller(DefaultInstallerController):
    """Installs from the files already downloaded (and checked) by the caller."""

    def download_file(self, remote_file):
        raise util.FetchfwError(f'{remote_file.filename} was not downloaded')


def run_install(req):
    scratch = req['scratch']
    plugin = os.path.join(scratch, 'plugin')
    pkgs_dir = os.path.join(plugin, 'pkgs')
    cache_dir = os.path.join(plugin, 'var', 'cache')
    installed_dir = os.path.join(plugin, 'var', 'installed')
    root_dir = os.path.join(plugin, 'var', 'tftpboot')
    for d in (pkgs_dir, cache_dir, installed_dir, root_dir):
        os.makedirs(d, exist_ok=True)
    with open(req['pkgsDb'], 'rb') as src, open(os.path.join(pkgs_dir, 'pkgs.db'), 'wb') as dst:
        dst.write(src.read())
    config = read_config(os.path.join(pkgs_dir, 'pkgs.db'))
    rfile_builder = DefaultRemoteFileBuilder(cache_dir, downloaders())
    # the downloaded files where provd's cache would hold them
    for file_id, path in req['files'].items():
        rfile = rfile_builder.build_remote_file(config, f'file_{file_id}')
        if not os.path.exists(rfile.path):
            os.symlink(os.path.abspath(path), rfile.path)
    # provd's own builders and package manager (FetchfwPluginHelper._new_pkg_mgr)
    able = storage.DefaultInstallablePkgStorage(
        pkgs_dir, rfile_builder, DefaultInstallMgrFactoryBuilder(DefaultFilterBuilder(), {}), DefaultPkgBuilder())
    ed = storage.DefaultInstalledPkgStorage(installed_dir)
    pkg = able[req['pkg']]
    if pkg.install_mgr is not None:
        install_line = config.get(f"pkg_{req['pkg']}", 'install').split()
        section = f'install_{install_line[0]}'
        for dst, (flt, src) in pkg.install_mgr._filters.items():
            name = f'{src}-{dst}'
            text = config.get(section, name) if section and config.has_option(section, name) else ''
            pkg.install_mgr._filters[dst] = (Step(name, text, flt), src)
    # the storage hands out clones: install the one we wrapped
    able._pkgs[req['pkg']] = pkg
    pkg.clone = lambda: pkg
    try:
        PackageManager(able, ed).install([req['pkg']], root_dir, Controller.new_factory(nodeps=True))
    except StepFailed as e:
        return {'ok': False, 'step': e.step, 'command': e.text, 'error': f'{type(e.cause).__name__}: {message(e.cause)}'}
    except Exception as e:
        return {'ok': False, 'error': f'{type(e).__name__}: {message(e)}'}
    installed = []
    for base, dirs, files in os.walk(root_dir):
        for f in files:
            installed.append(os.path.relpath(os.path.join(base, f), root_dir))
    return {'ok': True, 'installed': sorted(installed)}


def main():
    req = json.load(sys.stdin)
    if req['op'] == 'read':
        reply = {'dbs': [read_one(f) for f in req['files']]}
    elif req['op'] == 'install':
        reply = run_install(req)
    else:
        raise SystemExit(f"unknown op {req['op']}")
    json.dump(reply, sys.stdout)


if __name__ == '__main__':
    try:
        main()
    except Exception:
        json.dump({'crash': traceback.format_exc()}, sys.stdout)
