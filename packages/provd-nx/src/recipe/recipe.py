"""Load provd family recipes (build.py) the way provd's reference builder does.

The reference builder exec()s build.py with one injected global, `target`, then
calls each registered function with an output path, from the family folder.
This script does the same in two modes (JSON request on stdin, JSON reply on
stdout):

  record  For each family, list the targets and, for each target, the commands
          its function runs and the files it reads, without running them.
          A function that fails when its commands are skipped (it reads what an
          earlier copy produced) is run for real in a scratch folder instead.
          Whether the commands are the whole recipe ('commands') or the function
          writes into the plugin itself ('python'): a plugin file it opens counts
          as its own write, unless it is opened for writing just before a command
          that takes it as stdout and nothing else writes it (`with open(...) as
          f: check_call(['sed', ...], stdout=f)`); a process started other than
          through the patched functions counts too.
          Each family is recorded as if it were alone in the process: its own
          scratch folder, and afterwards the working directory, umask,
          environment, imported modules, import paths and module attributes
          (patched functions) are put back as they were (ProcessState).
  build   Run one target for real into an output folder, as the builder does.

With --serve, build requests come one per line on stdin and each reply is one
line on stdout, every target run as if it were alone in the process (the same
ProcessState isolation as recording): a batch starts one python3 per lane
instead of one per recipe (recipe-server.ts).

Only the standard library is used; python3 >= 3.8 (audit hooks).

One file on purpose, over the usual size: python3 runs it as a standalone script
(no package, nothing on sys.path), and its parts share one state: the audit hook,
the patched subprocess functions and the process-state snapshots all act on the
current Session and mode, and the snapshots must not see modules of our own come
and go. Sections: recording (Session, audit), commands (the patched subprocess
functions), isolation (ProcessState), recipes (load, call, record, build).
"""
import fnmatch
import json
import os
import re
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
# Processes started around the patched subprocess functions: what they do is unknown.
SPAWN_EVENTS = {'os.system', 'os.exec', 'os.spawn', 'os.posix_spawn', 'os.fork', 'os.forkpty'}
# Keyword arguments that leave a command running as written (no other program,
# environment or process set-up).
PLAIN_KWARGS = {'shell', 'cwd', 'stdin', 'stdout', 'stderr', 'input', 'check', 'text', 'universal_newlines',
                'encoding', 'errors', 'bufsize', 'close_fds', 'timeout', 'capture_output'}
# Flags of an open() that creates or empties a file for writing only ('w', 'wb').
WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


class RecipeError(Exception):
    pass


# Same rule as plugin-id.ts: an id is one safe path component (folder, package, URL).
PLUGIN_ID_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._+-]*\Z')
MAX_PLUGIN_ID_LENGTH = 128


def plugin_id_problem(plugin_id):
    if not isinstance(plugin_id, str) or not plugin_id:
        return 'plugin id %r must be a non-empty string' % (plugin_id,)
    if len(plugin_id) > MAX_PLUGIN_ID_LENGTH or not PLUGIN_ID_RE.match(plugin_id) or '..' in plugin_id:
        return ('plugin id %s is not allowed (letters, digits and . _ + - only, starting with a letter or digit, '
                "no '..', at most %d characters)" % (json.dumps(plugin_id), MAX_PLUGIN_ID_LENGTH))
    return None


class RecipeExit(Exception):
    """build.py tried to end the process: an error of the recipe, not a reply."""


def refuse_exit(code=0):
    raise RecipeExit('build.py called os._exit(%r)' % (code,))


class Session:
    """What one target function did while it ran."""

    def __init__(self, family_dir, out_dir):
        self.family_dir = family_dir
        self.out_dir = out_dir
        self.commands = []
        self.reads = []
        self.touches_output = False
        self.active = False
        # files of the plugin opened for writing, not (yet) taken as a command's stdout
        self.out_opens = []
        # stdouts taken: a duplicate of the descriptor and the offset the command's output ends at
        self.stdouts = []

    def note_output_open(self, args):
        """An open() of a plugin file for writing, created or emptied: it may be the
        stdout of the next command (command_stdout). True when taken as such."""
        flags = args[2] if len(args) > 2 else None
        if not isinstance(flags, int) or flags & (os.O_ACCMODE | WRITE_NEW | os.O_APPEND | os.O_EXCL) != WRITE_NEW:
            return False
        try:
            path = os.fsdecode(os.fspath(args[0]))
        except TypeError:
            return False
        full = os.path.normpath(os.path.join(os.getcwd(), path))
        if full == self.out_dir or not is_within(full, self.out_dir):
            return False
        self.copied_folder(full)
        self.out_opens.append({'path': full, 'commands': len(self.commands)})
        return True

    def copied_folder(self, full):
        """While recording (copies noted, not run): make the missing folder a file of
        the plugin is opened in when a copy noted before would have made it, so that
        `with open(...) as f: check_call([...], stdout=f)` into a copied folder is
        recorded instead of failing and running the whole function for real (one
        process per command: the sed loops of Snom-style recipes). Only for plain
        `rsync SRC/ OUT` copies whose filters match no component of the folder's path,
        and only folders the source holds: the folder then exists in the real build."""
        parent = os.path.dirname(full)
        if MODE != 'record' or os.path.lexists(parent) or not is_within(parent, self.out_dir):
            return
        rel = os.path.relpath(parent, self.out_dir)
        parts = rel.split(os.sep)
        prefixes = [os.sep.join(parts[:i + 1]) for i in range(len(parts))]
        for command in self.commands:
            argv = command['argv']
            if isinstance(argv, str) or not argv or os.path.basename(argv[0]) != 'rsync':
                continue
            cwd = os.path.normpath(os.path.join(self.family_dir, command['cwd']))
            operands, patterns, i = [], [], 1
            while i < len(argv):
                a = argv[i]
                if a in ('--exclude', '--include', '--filter', '-f'):
                    patterns.append(pattern_of(a, argv[i + 1] if i + 1 < len(argv) else None))
                    i += 2
                    continue
                if a.startswith(('--exclude=', '--include=', '--filter=')):
                    patterns.append(pattern_of(a.split('=', 1)[0], a.split('=', 1)[1]))
                elif a.startswith('-'):
                    if a.startswith(('--files-from', '--exclude-from', '--include-from')) or a in ('-F', '-C', '--cvs-exclude'):
                        patterns.append('*')  # rules we do not read: never guess
                else:
                    operands.append(a)
                i += 1
            if len(operands) != 2 or os.path.normpath(os.path.join(cwd, operands[1])) != self.out_dir:
                continue
            source = os.path.normpath(os.path.join(cwd, operands[0]))
            if not operands[0].endswith('/') or not is_within(source, self.family_dir):
                continue
            rules = [p.strip('/') for p in patterns]
            if any(fnmatch.fnmatch(os.path.basename(p), r) or fnmatch.fnmatch(p, r) for p in prefixes for r in rules):
                continue
                continue
            if all(os.path.isdir(os.path.join(source, p)) and not os.path.islink(os.path.join(source, p)) for p in prefixes):
                os.makedirs(parent)
                return

    def command_stdout(self, stdout):
        """The plugin file (relative to the plugin folder) a command's stdout is, when
        that file provably holds the command's output alone: opened by the recipe just
        before the command (no command in between), nothing written to it yet, and
        nothing written through it afterwards (finish). None otherwise."""
        if stdout is None or (isinstance(stdout, int) and stdout < 0):  # PIPE, DEVNULL, STDOUT
            return None
        try:
            fd = stdout if isinstance(stdout, int) else stdout.fileno()
            st = os.fstat(fd)
            if st.st_size != 0 or os.lseek(fd, 0, os.SEEK_CUR) != 0:
                return None
            if not isinstance(stdout, int) and stdout.tell() != 0:  # buffered writes
                return None
        except (OSError, ValueError, AttributeError, TypeError):
            return None
        for opened in self.out_opens:
            if opened['commands'] != len(self.commands):
                continue
            try:
                same = os.path.samestat(os.stat(opened['path']), st)
            except OSError:
                continue
            if same:
                self.out_opens.remove(opened)
                # a duplicate shares the file offset: any later write moves it
                self.stdouts.append({'fd': os.dup(fd), 'file': stdout, 'offset': 0, 'command': len(self.commands)})
                return os.path.relpath(opened['path'], self.out_dir)
        return None

    def command_ran(self):
        """After the last noted command ran for real: its stdout ends where it wrote."""
        for check in self.stdouts:
            if check['command'] == len(self.commands) - 1:
                check['offset'] = os.lseek(check['fd'], 0, os.SEEK_CUR)

    def finish(self):
        """When the function returned: a plugin file opened but taken by no command, or
        written through after its command (offset moved), means the function itself
        wrote to the plugin."""
        if self.out_opens:
            self.touches_output = True
        for check in self.stdouts:
            try:
                f = check['file']
                if os.lseek(check['fd'], 0, os.SEEK_CUR) != check['offset'] or (
                        not isinstance(f, int) and not f.closed and f.tell() != check['offset']):
                    self.touches_output = True
            except (OSError, ValueError):
                self.touches_output = True
            finally:
                os.close(check['fd'])
        self.stdouts = []

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


def pattern_of(option, value):
    """The pattern of an rsync filter option, for copied_folder: '*' (matches
    everything, so nothing is guessed) for what it does not read (merge rules)."""
    if value is None:
        return '*'
    if option in ('--filter', '-f'):
        if re.match(r'^([.:]|merge|dir-merge)', value):
            return '*'
        return re.sub(r'^([-+!PRHS]|exclude|include|hide|show|protect|risk|clear)(,\S*)?\s+', '', value)
    return value


SESSION = None


def is_within(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def audit(event, args):
    session = SESSION
    if session is None or not session.active:
        return
    if event in SPAWN_EVENTS and not SPAWNING:
        session.touches_output = True
        return
    if event not in PATH_EVENTS:
        return
    session.active = False  # our own bookkeeping must not recurse
    try:
        if event == 'open' and session.note_output_open(args):
            return
        # A symlink's target is text relative to the link, not a path read here.
        if event != 'os.symlink':
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


def note_command(args, kwargs, own_stdout=True):
    """Note a command; `own_stdout`: whether it has ended when the call returns
    (not Popen), so its stdout file can be checked afterwards."""
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
            'stdout': session.command_stdout(kwargs.get('stdout')) if own_stdout else None,
            # runs as written: no other program, process set-up or environment than the recipe's own
            'plain': not (set(kwargs) - PLAIN_KWARGS) and environ_data() == ENVIRON_AT_START,
        })
        session.active = was_active
    return argv


class SkippedCommand(Exception):
    pass


# How the patched subprocess functions behave right now: 'real' (as if not
# patched), 'record' (noted, not run) or 'run' (noted and run). Recipes bind
# them at load time (`from subprocess import check_call`), so the functions a
# recipe holds must follow the current mode rather than be swapped per mode.
MODE = 'real'
# True while a noted command runs: the Popen it makes must not be noted again.
RUNNING_COMMAND = False
# True while a noted command's process starts (its os.posix_spawn is no unknown process).
SPAWNING = False
# The environment recipe.py was started with: commands run natively run in it.
ENVIRON_AT_START = None

REAL = {
    'call': subprocess.call, 'check_call': subprocess.check_call,
    'run': subprocess.run, 'check_output': subprocess.check_output,
    'Popen': subprocess.Popen, 'system': os.system,
}


def recording_call(args, *a, **kw):
    note_command(args, kw)
    return 0


def recording_run(args, *a, **kw):
    note_command(args, kw)
    return subprocess.CompletedProcess(args, 0, b'' if not kw.get('text') else '', b'')


def recording_check_output(args, *a, **kw):
    note_command(args, kw)
    return '' if kw.get('text') or kw.get('universal_newlines') else b''


def recording_system(command):
    note_command(command, {'shell': True})
    return 0


def run_checked(args, kw, check):
    """Note a command and run it; a failure carries the command and its stderr."""
    global RUNNING_COMMAND, SPAWNING
    note_command(args, kw)
    args = overlaying(args)
    kw = dict(kw)
    kw.pop('check', None)
    capture = 'stderr' not in kw and not kw.get('capture_output')
    if capture:
        kw['stderr'] = subprocess.PIPE
    RUNNING_COMMAND = SPAWNING = True
    try:
        result = REAL['run'](args, **kw)
    finally:
        RUNNING_COMMAND = SPAWNING = False
    if SESSION is not None:
        SESSION.command_ran()
    err = result.stderr
    if capture and err:
        sys.stderr.write(err if isinstance(err, str) else os.fsdecode(err))
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, args, result.stdout, err)
    return result


def running_check_call(args, *a, **kw):
    run_checked(args, kw, True)
    return 0


def running_call(args, *a, **kw):
    return run_checked(args, kw, False).returncode


def running_run(args, *a, **kw):
    return run_checked(args, kw, kw.get('check', False))


def running_check_output(args, *a, **kw):
    kw = dict(kw)
    kw['stdout'] = subprocess.PIPE
    return run_checked(args, kw, True).stdout


def running_system(command):
    return run_checked(command, {'shell': True}, False).returncode


BY_MODE = {
    'real': REAL,
    'record': {'call': recording_call, 'check_call': recording_call, 'run': recording_run,
               'check_output': recording_check_output, 'system': recording_system},
    'run': {'call': running_call, 'check_call': running_check_call, 'run': running_run,
            'check_output': running_check_output, 'system': running_system},
}


def dispatcher(name):
    def dispatch(*args, **kw):
        return BY_MODE[MODE][name](*args, **kw)
    dispatch.__name__ = dispatch.__qualname__ = name
    dispatch.__doc__ = REAL[name].__doc__
    return dispatch


class Popen(REAL['Popen']):
    """subprocess.Popen that follows MODE (a class still, for isinstance and subclasses)."""

    def __init__(self, args, *a, **kw):
        global SPAWNING
        if MODE == 'record':
            note_command(args, kw, own_stdout=False)
            raise SkippedCommand('Popen cannot be recorded')
        if MODE == 'run' and not RUNNING_COMMAND:
            note_command(args, kw, own_stdout=False)
            args = overlaying(args)
        spawning, SPAWNING = SPAWNING, True
        try:
            super().__init__(args, *a, **kw)
        finally:
            SPAWNING = spawning


def install_subprocess():
    """Patch subprocess.* and os.system with functions that follow MODE.
    Installed inside a family's isolation, so restoring its state unpatches them."""
    for name in ('call', 'check_call', 'run', 'check_output'):
        setattr(subprocess, name, dispatcher(name))
    subprocess.Popen = Popen
    os.system = dispatcher('system')


def overlaying(args):
    """rsync's quick check (same size and mtime second: skip) lets checkout
    mtimes decide whether a later copy overlays an earlier one under -t/-a;
    builds must not depend on mtimes, and the recipe means overlay."""
    if isinstance(args, (list, tuple)) and args and os.path.basename(os.fsdecode(os.fspath(args[0]))) == 'rsync':
        return [args[0], '--ignore-times'] + list(args[1:])
    return args


def unchanged(live, saved):
    """Fast path: dict equality runs in C and takes identical values as equal."""
    try:
        return len(live) == len(saved) and bool(live == saved)
    except Exception:
        return False


def environ_data():
    """The environment as the process holds it (encoded), cheap to copy and compare."""
    data = getattr(os.environ, '_data', None)
    return dict(data) if isinstance(data, dict) else dict(os.environ)


class ProcessState:
    """What a recipe can change in this process that a later recipe would see:
    working directory, umask, environment, imported modules and import paths,
    module attributes (patched functions, sys.stdout...), warning filters.
    Taken before a family is recorded and restored after it, so each family is
    recorded as if it were alone in the process. `recipe_globals`: also the
    recipe's own globals; `attributes=False` skips module attributes, the
    costly part, for the cheap snapshot taken before each target."""

    def __init__(self, recipe_globals=None, attributes=True):
        self.cwd = os.getcwd()
        self.umask = os.umask(0o022)
        os.umask(self.umask)
        self.environ = environ_data()
        self.path = list(sys.path)
        self.meta_path = list(sys.meta_path)
        self.path_hooks = list(sys.path_hooks)
        self.importer_cache = dict(sys.path_importer_cache)
        self.modules = dict(sys.modules)
        me = sys.modules.get(__name__)
        # Module attributes by identity: rebinding (patching) shows, state
        # mutated in place (caches) does not and needs no undoing.
        self.attributes = [(vars(m), dict(vars(m))) for m in self.modules.values()
                           if attributes and m is not me and isinstance(getattr(m, '__dict__', None), dict)]
        if recipe_globals is not None:
            self.attributes.append((recipe_globals, dict(recipe_globals)))
        warnings = sys.modules.get('warnings')
        self.warning_filters = list(warnings.filters) if warnings else None

    def restore(self):
        if not unchanged(sys.modules, self.modules):
            for name in [n for n in sys.modules if n not in self.modules]:
                del sys.modules[name]
            sys.modules.update(self.modules)
        for live, saved in self.attributes:
            if unchanged(live, saved):
                continue
            for key in [k for k in live if k not in saved]:
                del live[key]
            for key, value in saved.items():
                if live.get(key, live) is not value:
                    live[key] = value
        sys.path[:] = self.path
        sys.meta_path[:] = self.meta_path
        sys.path_hooks[:] = self.path_hooks
        if not unchanged(sys.path_importer_cache, self.importer_cache):
            sys.path_importer_cache.clear()
            sys.path_importer_cache.update(self.importer_cache)
        warnings = sys.modules.get('warnings')
        if warnings is not None and self.warning_filters is not None and warnings.filters != self.warning_filters:
            warnings.filters[:] = self.warning_filters
            getattr(warnings, '_filters_mutated', lambda: None)()
        if environ_data() != self.environ:
            saved = {os.fsdecode(k): os.fsdecode(v) for k, v in self.environ.items()}
            for key in [k for k in os.environ if k not in saved]:
                del os.environ[key]
            for key, value in saved.items():
                if os.environ.get(key) != value:
                    os.environ[key] = value
        os.umask(self.umask)
        os.chdir(self.cwd)


def load_recipe(family_dir):
    """exec build.py like the reference builder; return {target_id: (fun, plugin_id, std_dirs)}."""
    targets = {}
    order = []
    lines = {}

    def target(target_id, pg_id, std_dirs=True):
        def register(fun):
            if target_id in targets:
                raise RecipeError("target redefinition for '%s'" % target_id)
            targets[target_id] = (fun, pg_id, std_dirs)
            lines[target_id] = getattr(getattr(fun, '__code__', None), 'co_firstlineno', None)
            order.append(target_id)
            return fun
        return register

    build_file = os.path.join(family_dir, 'build.py')
    with open(build_file, 'rb') as f:
        code = compile(f.read(), build_file, 'exec')
    old_cwd = os.getcwd()
    os.chdir(family_dir)
    try:
        with exits_refused():
            exec(code, {'target': target, '__file__': build_file, '__name__': '__provd_build__'})
    finally:
        os.chdir(old_cwd)
    return targets, order, lines


class exits_refused:
    """sys.exit() and os._exit() in a recipe would end recipe.py with no reply."""

    def __enter__(self):
        self.real_exit = os._exit
        os._exit = refuse_exit

    def __exit__(self, kind, value, tb):
        os._exit = self.real_exit
        if kind is not None and issubclass(kind, SystemExit):
            raise RecipeExit('build.py called sys.exit(%r)' % (value.code,)).with_traceback(tb)
        return False


def call_target(fun, family_dir, out_dir):
    old_cwd = os.getcwd()
    os.chdir(family_dir)
    try:
        with exits_refused():
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
    global SESSION, MODE
    session = Session(family_dir, out_dir)
    SESSION = session
    MODE = 'run' if running else 'record'
    session.active = True
    try:
        call_target(fun, family_dir, out_dir)
    finally:
        session.active = False
        session.finish()
        SESSION = None
        MODE = 'real'
    return session


def record_target(fun, family_dir, out_dir):
    """(session, replay) for one target function; raises when it fails for real."""
    # A recorded attempt that fails must leave nothing for the real run to see.
    before = ProcessState(getattr(fun, '__globals__', None), attributes=False)
    try:
        session = run_session(fun, family_dir, out_dir, running=False)
    except Exception:
        # The function needs what its commands produce (a folder an earlier copy
        # makes, say): run it for real. What it did is as complete a record, and
        # the same for the same sources, as long as it wrote nothing itself.
        before.restore()
        shutil.rmtree(out_dir)
        os.makedirs(out_dir)
        session = run_session(fun, family_dir, out_dir, running=True)
    return session, 'python' if session.touches_output else 'commands'


def record_family(family_dir, scratch):
    targets, order, lines = load_recipe(family_dir)
    result = []
    for target_id in order:
        fun, plugin_id, std_dirs = targets[target_id]
        entry = {'targetId': target_id, 'pluginId': plugin_id, 'stdDirs': bool(std_dirs),
                 'function': getattr(fun, '__name__', '?'), 'line': lines.get(target_id)}
        problem = plugin_id_problem(plugin_id)
        if problem:
            # checked before the id becomes a folder name anywhere
            entry['pluginId'] = str(plugin_id)
            where = ' (build.py line %d)' % entry['line'] if entry['line'] else ''
            entry['error'] = {'message': problem + where}
            result.append(entry)
            continue
        out_dir = os.path.join(tempfile.mkdtemp(dir=scratch), str(plugin_id))
        os.makedirs(out_dir)
        try:
            session, entry['replay'] = record_target(fun, family_dir, out_dir)
            entry['out'] = out_dir
            entry['commands'] = session.commands
            entry['reads'] = session.reads
        except (Exception, SystemExit) as exc:  # sys.exit() in a recipe ends only its target
            entry['error'] = format_error(exc)
        result.append(entry)
    return result


# Scratch folders of this process, removed after the reply is sent (main): removing
# thousands of folders can take seconds while the disk writes back a fresh clone,
# and the caller need not wait for it.
SCRATCH = []


def record_isolated(family_dir):
    """Record one family as if it were alone in this process: its own scratch
    folder, and the process state as it was before, whatever the recipe did."""
    state = ProcessState()
    install_subprocess()
    scratch = tempfile.mkdtemp(prefix='provd-recipe-')
    SCRATCH.append(scratch)
    try:
        return {'targets': record_family(family_dir, scratch)}
    except (Exception, SystemExit) as exc:
        return {'error': format_error(exc), 'traceback': traceback.format_exc(limit=-3)}
    finally:
        state.restore()


AUDIT_HOOKED = False


def hook_audit():
    """Audit hooks cannot be removed: one per process, whatever the requests."""
    global AUDIT_HOOKED
    if not AUDIT_HOOKED:
        sys.addaudithook(audit)
        AUDIT_HOOKED = True


def do_record(request):
    hook_audit()
    reply = {}
    for family_dir in request['families']:
        family_dir = os.path.realpath(family_dir)
        reply[family_dir] = record_isolated(family_dir)
    return {'families': reply}


def do_build(request):
    hook_audit()
    install_subprocess()
    family_dir = os.path.realpath(request['family'])
    out_dir = os.path.abspath(request['out'])
    targets, _, _ = load_recipe(family_dir)
    if request['targetId'] not in targets:
        return {'error': {'message': "no target '%s' in build.py" % request['targetId']}}
    fun, plugin_id, std_dirs = targets[request['targetId']]
    problem = plugin_id_problem(plugin_id)
    if problem:
        return {'error': {'message': problem}}
    os.makedirs(out_dir)
    try:
        session = run_session(fun, family_dir, out_dir, running=True)
    except Exception as exc:
        return {'error': format_error(exc)}
    # the caller may make the standard folders itself (it checks what stands in their way)
    if std_dirs and request.get('stdDirs', True):
        for d in STD_DIRS:
            os.makedirs(os.path.join(out_dir, d), exist_ok=True)
    return {'commands': session.commands, 'reads': session.reads}


def build_isolated(request):
    """One target built as if it were alone in this process (--serve): the
    process state as it was before, whatever the recipe did."""
    state = ProcessState()
    try:
        return do_build(request)
    except (Exception, SystemExit) as exc:  # sys.exit() in a recipe ends only its request
        return {'error': format_error(exc)}
    finally:
        state.restore()


def serve(reply_fd):
    """Build requests, one JSON line each, answered in order until stdin ends."""
    # A recipe (or a command it runs) reading stdin must not take the next
    # requests: it reads /dev/null, as it read an exhausted pipe in build mode.
    requests = os.fdopen(os.dup(0), 'r')
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, 'r')
    with os.fdopen(reply_fd, 'w') as out:
        for line in requests:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                if request.get('mode') == 'build':
                    reply = build_isolated(request)
                else:
                    reply = {'error': {'message': 'unknown mode %r (--serve builds only)' % request.get('mode')}}
            except Exception as exc:
                reply = {'error': format_error(exc)}
            out.write(json.dumps(reply) + '\n')
            out.flush()


def main():
    global ENVIRON_AT_START
    ENVIRON_AT_START = environ_data()
    # Recipes and their commands print freely: keep fd 1 for our reply only.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if sys.argv[1:] == ['--serve']:
        serve(reply_fd)
        return
    request = json.load(sys.stdin)
    mode = request.get('mode')
    try:
        if mode == 'record':
            reply = do_record(request)
        elif mode == 'build':
            reply = do_build(request)
        else:
            reply = {'error': {'message': 'unknown mode %r' % mode}}
    except Exception as exc:
        reply = {'error': format_error(exc)}
    with os.fdopen(reply_fd, 'w') as out:
        out.write(json.dumps(reply))
    # the reply is complete (its pipe closed): the caller goes on while this cleans up
    for scratch in SCRATCH:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    main()
