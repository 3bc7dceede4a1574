"""Errors of the smoke test (smoke.py), named with the plugin file and line they come from."""
import os
import traceback



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
