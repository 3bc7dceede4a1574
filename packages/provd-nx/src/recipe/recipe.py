"""Load provd family recipes (build.py) the way provd's reference builder does.

The reference builder exec()s build.py with one injected global, `target`, then
calls each registered function with an output path, from the family folder.
This script does the same in two modes (JSON request on stdin, JSON reply on
stdout):

  record  For each family, list the targets and, for each target, the commands
          its function runs and the files it reads, without running them.
          A function that fails when its commands are skipped (it reads what an
          earlier copy produced) is run for real in a scratch folder instead.
  build   Run one target for real into an output folder, as the builder does.

Only the standard library is used; python3 >= 3.8 (audit hooks).
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import traceback

STD_DIRS = ['var', 'var/cache', 'var/installed', 'var/templates', 'var/tftpboot']

# Audit events whose first argument is a path the recipe reads or writes.
PATH_EVENTS = {
    'open', 'os.listdir', 'os.scandir', 'os.mkdir', 'os.remove', 'os.rmdir',
    'os.rename', 'os.replace', 'os.symlink', 'os.link', 'os.chmod', 'os.utime',
    'os.truncate', 'shutil.copyfile', 'shutil.copymode', 'shutil.copystat',
    'shutil.copytree', 'shutil.rmtree', 'shutil.move', 'os.chown',
}
TWO_PATH_EVENTS = {'os.rename', 'os.replace', 'os.symlink', 'os.link',
                   'shutil.copyfile', 'shutil.copymode', 'shutil.copystat',
                   'shutil.copytree', 'shutil.move'}


class RecipeError(Exception):
    pass


class Session:
    """What one target function did while it ran."""

    def __init__(self, family_dir, out_dir):
        self.family_dir = family_dir
        self.out_dir = out_dir
        self.commands = []
        self.reads = []
        self.touches_output = False
        self.active = False

    def note_path(self, path, cwd=None):
        try:
            path = os.fspath(path)
        except TypeError:
            return
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or not path:
            return
        full = os.path.normpath(os.path.join(cwd or os.getcwd(), path))
        if is_within(full, self.out_dir):
            self.touches_output = True
        elif is_within(full, self.family_dir):
            rel = os.path.relpath(full, self.family_dir)
            if rel not in self.reads:
                self.reads.append(rel)


SESSION = None


def is_within(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def audit(event, args):
    session = SESSION
    if session is None or not session.active or event not in PATH_EVENTS:
        return
    session.active = False  # our own bookkeeping must not recurse
    try:
        session.note_path(args[0])
        if event in TWO_PATH_EVENTS and len(args) > 1:
            session.note_path(args[1])
    finally:
        session.active = True


def command_tokens(args, shell):
    if isinstance(args, (list, tuple)):
        return [os.fsdecode(os.fspath(a)) for a in args]
    text = os.fsdecode(os.fspath(args))
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        return text.split()
    # A redirection glued to its file name (`>out`, `<in`) still names a file.
    return [t.lstrip('<>') or t for t in tokens]


def note_command(args, kwargs):
    session = SESSION
    shell = bool(kwargs.get('shell', False))
    cwd = os.fspath(kwargs['cwd']) if kwargs.get('cwd') else os.getcwd()
    if isinstance(args, (list, tuple)):
        argv = [os.fsdecode(os.fspath(a)) for a in args]
    else:
        argv = os.fsdecode(os.fspath(args))
    reads = []
    if session is not None:
        was_active = session.active
        session.active = False
        for token in command_tokens(args, shell):
            if token.startswith('-') or not token:
                continue
            full = os.path.normpath(os.path.join(cwd, token))
            if is_within(full, session.family_dir) and os.path.lexists(full):
                rel = os.path.relpath(full, session.family_dir)
                reads.append(rel)
        session.commands.append({
            'argv': argv,
            'shell': shell,
            'cwd': os.path.relpath(cwd, session.family_dir),
            'reads': reads,
        })
        session.active = was_active
    return argv


class SkippedCommand(Exception):
    pass


def install_recording_subprocess():
    """Commands are noted, not run."""

    def call(args, *a, **kw):
        note_command(args, kw)
        return 0

    def run(args, *a, **kw):
        note_command(args, kw)
        return subprocess.CompletedProcess(args, 0, b'' if not kw.get('text') else '', b'')

    def check_output(args, *a, **kw):
        note_command(args, kw)
        return '' if kw.get('text') or kw.get('universal_newlines') else b''

    def popen(args, *a, **kw):
        note_command(args, kw)
        raise SkippedCommand('Popen cannot be recorded')

    def system(command):
        note_command(command, {'shell': True})
        return 0

    subprocess.call = call
    subprocess.check_call = call
    subprocess.run = run
    subprocess.check_output = check_output
    subprocess.Popen = popen
    os.system = system


def install_running_subprocess():
    """Commands are noted and run; a failure carries the command and its stderr."""
    real_run = REAL['run']

    def run_checked(args, kw, check):
        note_command(args, kw)
        args = overlaying(args)
        kw = dict(kw)
        kw.pop('check', None)
        capture = 'stderr' not in kw and not kw.get('capture_output')
        if capture:
            kw['stderr'] = subprocess.PIPE
        result = real_run(args, **kw)
        err = result.stderr
        if capture and err:
            sys.stderr.write(err if isinstance(err, str) else os.fsdecode(err))
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, args, result.stdout, err)
        return result

    def check_call(args, *a, **kw):
        run_checked(args, kw, True)
        return 0

    def call(args, *a, **kw):
        return run_checked(args, kw, False).returncode

    def run(args, *a, **kw):
        return run_checked(args, kw, kw.get('check', False))

    def check_output(args, *a, **kw):
        kw = dict(kw)
        kw['stdout'] = subprocess.PIPE
        return run_checked(args, kw, True).stdout

    def system(command):
        return run_checked(command, {'shell': True}, False).returncode

    subprocess.call = call
    subprocess.check_call = check_call
    subprocess.run = run
    subprocess.check_output = check_output
    subprocess.Popen = REAL['Popen']
    os.system = system


def overlaying(args):
    """rsync's quick check (same size and mtime second: skip) lets checkout
    mtimes decide whether a later copy overlays an earlier one under -t/-a;
    builds must not depend on mtimes, and the recipe means overlay."""
    if isinstance(args, (list, tuple)) and args and os.path.basename(os.fsdecode(os.fspath(args[0]))) == 'rsync':
        return [args[0], '--ignore-times'] + list(args[1:])
    return args


REAL = {
    'call': subprocess.call, 'check_call': subprocess.check_call,
    'run': subprocess.run, 'check_output': subprocess.check_output,
    'Popen': subprocess.Popen, 'system': os.system,
}


def load_recipe(family_dir):
    """exec build.py like the reference builder; return {target_id: (fun, plugin_id, std_dirs)}."""
    targets = {}
    order = []

    def target(target_id, pg_id, std_dirs=True):
        def register(fun):
            if target_id in targets:
                raise RecipeError("target redefinition for '%s'" % target_id)
            targets[target_id] = (fun, pg_id, std_dirs)
            order.append(target_id)
            return fun
        return register

    build_file = os.path.join(family_dir, 'build.py')
    with open(build_file, 'rb') as f:
        code = compile(f.read(), build_file, 'exec')
    old_cwd = os.getcwd()
    os.chdir(family_dir)
    try:
        exec(code, {'target': target, '__file__': build_file, '__name__': '__provd_build__'})
    finally:
        os.chdir(old_cwd)
    return targets, order


def call_target(fun, family_dir, out_dir):
    old_cwd = os.getcwd()
    os.chdir(family_dir)
    try:
        fun(out_dir)
    finally:
        os.chdir(old_cwd)


def format_error(exc):
    if isinstance(exc, subprocess.CalledProcessError):
        cmd = exc.cmd if isinstance(exc.cmd, str) else ' '.join(shlex.quote(str(c)) for c in exc.cmd)
        stderr = exc.stderr
        if isinstance(stderr, bytes):
            stderr = os.fsdecode(stderr)
        return {'message': 'command failed with exit code %s: %s' % (exc.returncode, cmd),
                'command': cmd, 'stderr': (stderr or '').strip()}
    tb = traceback.extract_tb(exc.__traceback__)
    where = ''
    for frame in reversed(tb):
        if frame.filename.endswith('build.py'):
            where = ' (build.py line %d)' % frame.lineno
            break
    return {'message': '%s: %s%s' % (type(exc).__name__, exc, where)}


def run_session(fun, family_dir, out_dir, running):
    global SESSION
    session = Session(family_dir, out_dir)
    SESSION = session
    if running:
        install_running_subprocess()
    else:
        install_recording_subprocess()
    session.active = True
    try:
        call_target(fun, family_dir, out_dir)
    finally:
        session.active = False
        SESSION = None
    return session


def record_family(family_dir, scratch):
    targets, order = load_recipe(family_dir)
    result = []
    for target_id in order:
        fun, plugin_id, std_dirs = targets[target_id]
        entry = {'targetId': target_id, 'pluginId': plugin_id, 'stdDirs': bool(std_dirs),
                 'function': getattr(fun, '__name__', '?')}
        out_dir = os.path.join(tempfile.mkdtemp(dir=scratch), str(plugin_id))
        os.makedirs(out_dir)
        try:
            session = run_session(fun, family_dir, out_dir, running=False)
            entry['replay'] = 'python' if session.touches_output else 'commands'
        except Exception:
            # The function needs what its commands produce: run it for real.
            shutil.rmtree(out_dir)
            os.makedirs(out_dir)
            try:
                session = run_session(fun, family_dir, out_dir, running=True)
                entry['replay'] = 'python'
            except Exception as exc:
                entry['error'] = format_error(exc)
                session = None
        if session is not None:
            entry['out'] = out_dir
            entry['commands'] = session.commands
            entry['reads'] = session.reads
        result.append(entry)
    return result


def do_record(request):
    sys.addaudithook(audit)
    reply = {}
    scratch = tempfile.mkdtemp(prefix='provd-recipe-')
    try:
        for family_dir in request['families']:
            family_dir = os.path.realpath(family_dir)
            try:
                reply[family_dir] = {'targets': record_family(family_dir, scratch)}
            except Exception as exc:
                reply[family_dir] = {'error': format_error(exc),
                                     'traceback': traceback.format_exc(limit=-3)}
    finally:
        install_running_subprocess()
        shutil.rmtree(scratch, ignore_errors=True)
    return {'families': reply}


def do_build(request):
    sys.addaudithook(audit)
    family_dir = os.path.realpath(request['family'])
    out_dir = os.path.abspath(request['out'])
    targets, _ = load_recipe(family_dir)
    if request['targetId'] not in targets:
        return {'error': {'message': "no target '%s' in build.py" % request['targetId']}}
    fun, plugin_id, std_dirs = targets[request['targetId']]
    os.makedirs(out_dir)
    try:
        session = run_session(fun, family_dir, out_dir, running=True)
    except Exception as exc:
        return {'error': format_error(exc)}
    if std_dirs:
        for d in STD_DIRS:
            os.makedirs(os.path.join(out_dir, d), exist_ok=True)
    return {'commands': session.commands, 'reads': session.reads}


def main():
    # Recipes and their commands print freely: keep fd 1 for our reply only.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    request = json.load(sys.stdin)
    mode = request.get('mode')
    if mode == 'record':
        reply = do_record(request)
    elif mode == 'build':
        reply = do_build(request)
    else:
        reply = {'error': {'message': 'unknown mode %r' % mode}}
    with os.fdopen(reply_fd, 'w') as out:
        out.write(json.dumps(reply))


if __name__ == '__main__':
    main()
