"""Install every plugin of a channel the way provd does, over HTTP.

provd downloads <channel>/plugins.db, rejects an entry that misses any of
capabilities, description, version, dsize, filename, sha1sum, downloads
<channel>/<filename>, checks its SHA-1 and extracts it with tarfile
(compression auto-detected). We also check dsize. Prints {id: version}.

usage: provd_install.py <channel-url> <plugins-dir>
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request

REQUIRED = ['capabilities', 'description', 'version', 'dsize', 'filename', 'sha1sum']


def main():
    url, dest = sys.argv[1].rstrip('/'), sys.argv[2]
    with urllib.request.urlopen(url + '/plugins.db') as r:
        db = json.loads(r.read().decode('utf-8'))
    installed = {}
    for pid, entry in sorted(db.items()):
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            sys.exit('%s: entry misses %s' % (pid, ', '.join(missing)))
        with urllib.request.urlopen(url + '/' + entry['filename']) as r:
            data = r.read()
        if len(data) != entry['dsize']:
            sys.exit('%s: dsize %s but %d bytes' % (pid, entry['dsize'], len(data)))
        if hashlib.sha1(data).hexdigest() != entry['sha1sum']:
            sys.exit('%s: sha1 mismatch' % pid)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest)
        with open(os.path.join(dest, pid, 'plugin-info')) as f:
            info = json.load(f)
        if info['version'] != entry['version']:
            sys.exit('%s: installed plugin-info says %s' % (pid, info['version']))
        installed[pid] = entry['version']
    print(json.dumps(installed, sort_keys=True))


if __name__ == '__main__':
    main()
