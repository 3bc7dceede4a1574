"""What a plugin wrote into its folder (smoke.py): before and after, read back, put back; volatile values redacted."""
import base64
import copy
import difflib
import os
import re
import shutil

from smoke_errors import SmokeError


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
