"""Scan test logs for every secret the test runs used: the last step of `make test`.

usage: secret_scan.py SECRETS_DIR LOG...

SECRETS_DIR holds one JSON object per run, {label: secret}, written by write_secrets in
noxfile.py: API credentials, the Basic Authorization value, SSO login tokens. The unit
passwords the suites declare in their YAML (any key ending in "password" but update_password)
are added here. Each
LOG is searched for each secret; a hit is reported with its place, never with the secret itself.
Exits 1 on a hit, and also when there is nothing to scan (a scan of nothing proves nothing).
"""

import glob
import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the suites keep the unit passwords they create units with.
DECLARED = ('tests/integration/targets/*/defaults/*.yml', 'tests/integration/targets/*/defaults.yml',
            'extensions/molecule/default/molecule.yml')
SHORTEST = 8    # shorter values could match by chance


def declared_passwords():
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower().endswith('password') and key != 'update_password' \
                        and isinstance(value, str) and '{{' not in value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for pattern in DECLARED:
        for path in glob.glob(os.path.join(REPO, pattern)):
            with open(path) as handle:
                walk(yaml.safe_load(handle))
    return {'unit password %d' % n: value for n, value in enumerate(sorted(found))}


def main(secrets_dir, logs):
    secrets = declared_passwords()
    for path in sorted(glob.glob(os.path.join(secrets_dir, '*.json'))):
        with open(path) as handle:
            run = os.path.basename(path)[:-len('.json')]
            secrets.update(('%s: %s' % (run, label), value) for label, value in json.load(handle).items())
    secrets = {label: value for label, value in secrets.items() if len(value) >= SHORTEST}
    logs = [log for log in logs if os.path.isfile(log)]
    hits, scanned = [], 0
    for log in logs:
        with open(log, encoding='utf-8', errors='replace') as handle:
            text = handle.read()
        scanned += len(text)
        for label, value in secrets.items():
            at = text.find(value)
            if at >= 0:
                line = text.count('\n', 0, at) + 1
                hits.append('%s: line %d: %s' % (os.path.relpath(log, REPO), line, label))
    tokens = sum(1 for label in secrets if 'sso token' in label)
    print('scanned %d logs (%d characters) for %d secrets (%d SSO tokens): %d leaks'
          % (len(logs), scanned, len(secrets), tokens, len(hits)))
    for hit in hits:
        print('LEAK ' + hit)
    if not logs or not scanned or not tokens or not any('api password' in label for label in secrets):
        print('nothing to scan: the integration and molecule steps must run first (and get an SSO URL)')
        return 1
    return 1 if hits else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2:]))
