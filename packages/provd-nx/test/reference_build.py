"""The reference builder's build step, as provd's own tooling runs it: exec
build.py with an injected `target`, chdir into the family folder, call the
target function (real check_call, real rsync), then make the standard dirs.
Independent of @provd/nx: specs compare our packages against its output.

usage: reference_build.py <family-dir> <out-dir>   (builds every target)
"""
import json
import os
import sys

STD_DIRS = ['var', 'var/cache', 'var/installed', 'var/templates', 'var/tftpboot']


def main():
    family_dir, out_dir = (os.path.abspath(p) for p in sys.argv[1:3])
    targets = {}

    def target(target_id, pg_id, std_dirs=True):
        def aux(fun):
            targets[target_id] = (fun, pg_id, std_dirs)
            return fun
        return aux

    build_file = os.path.join(family_dir, 'build.py')
    with open(build_file, 'rb') as f:
        code = compile(f.read(), build_file, 'exec')
    exec(code, {'target': target})
    built = {}
    for target_id, (fun, pg_id, std_dirs) in targets.items():
        path = os.path.join(out_dir, pg_id)
        os.makedirs(path)
        old = os.getcwd()
        os.chdir(family_dir)
        try:
            fun(path)
        finally:
            os.chdir(old)
        if std_dirs:
            for d in STD_DIRS:
                os.makedirs(os.path.join(path, d), exist_ok=True)
        built[pg_id] = path
    print(json.dumps(built))


if __name__ == '__main__':
    main()
