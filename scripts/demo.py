# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: build and install the collection, then run demo/demo.yml with --diff.

By default it starts the embedded API emulator on a free loopback port and points the playbook at it
(credentials through IONOS_* variables, as a user would set them). The IONOS_* variables of the caller's
shell are ignored: a shell set up for Terraform or an SDK must not make the demo touch a real account.
DEMO_REAL_API=1 (`make demo DEMO_REAL_API=1`) starts nothing: the playbook talks to IONOS_API_URL (default
https://api.ionos.com/cloudapi/v6) with the IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD, you exported.
Run it with the Python of a venv that has ansible-core and requests (`make demo`: nox's session demo).
Arguments are passed to ansible-playbook (e.g. -e demo_unit_name=my-demo, -v).
"""

import glob
import os
import secrets
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)     # the venv's ansible-galaxy and ansible-playbook
sys.path.insert(0, os.path.join(ROOT, "tests", "mock_api"))
from harness import Emulator  # noqa: E402  (standard library only)

# Every Ansible command of the demo reads this scratch configuration and no other: installing into the
# configured collections path draws no warning, the playbook finds the collection there only, and the
# output a newcomer reads is the play itself.
ANSIBLE_CFG = """[defaults]
collections_path = {work}/collections
collections_scan_sys_path = false
home = {work}/ansible_home
local_tmp = {work}/ansible_home/tmp
localhost_warning = false
retry_files_enabled = false

[inventory]
inventory_unparsed_warning = false
"""


def ansible(command, *args, env, quiet=False):
    done = subprocess.run([os.path.join(BIN, command), *args], env=env, check=False, text=True,
                          stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT if quiet else None)
    if done.returncode and quiet:
        sys.exit("%s\nERROR: %s %s failed" % (done.stdout, command, args[0]))
    return done.returncode


def main(playbook_args):
    real_api = os.environ.get("DEMO_REAL_API", "0")
    if real_api not in ("1", "0", ""):
        sys.exit("ERROR: DEMO_REAL_API must be 1 (run against the real API) or 0 (the emulator, the default), "
                 "not '%s'" % real_api)
    real_api = real_api == "1"
    if not os.path.exists(os.path.join(BIN, "ansible-playbook")):
        sys.exit("ERROR: %s has no ansible-playbook: run 'make demo', or this script with a venv's Python that has "
                 "ansible-core and requests" % BIN)
    env = os.environ.copy()
    if real_api and not (env.get("IONOS_TOKEN") or env.get("IONOS_USERNAME") and env.get("IONOS_PASSWORD")):
        sys.exit("ERROR: DEMO_REAL_API=1 needs your credentials: export IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD")
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "ansible.cfg"), "w", encoding="utf-8") as cfg:
            cfg.write(ANSIBLE_CFG.format(work=work))
        # Environment variables win over ansible.cfg: drop any the caller's shell would bring in.
        for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_HOME", "ANSIBLE_LOCAL_TEMP"):
            env.pop(name, None)
        env["ANSIBLE_CONFIG"] = os.path.join(work, "ansible.cfg")
        print("== Building and installing the collection", flush=True)
        ansible("ansible-galaxy", "collection", "build", "--output-path", work + "/dist", ROOT, env=env, quiet=True)
        [tarball] = glob.glob(work + "/dist/*.tar.gz")
        ansible("ansible-galaxy", "collection", "install", "--offline", "-p", work + "/collections", tarball, env=env,
                quiet=True)
        print("Installed %s into a scratch collections path" % os.path.basename(tarball))
        emulator = None
        if real_api:
            env["IONOS_API_URL"] = env.get("IONOS_API_URL") or "https://api.ionos.com/cloudapi/v6"
            print("== DEMO_REAL_API=1: running against the API at %s (no emulator started)\n"
                  "   It creates, changes and deletes a backup unit there (ansible-demo-backupunit unless "
                  "-e demo_unit_name=...),\n   with the credentials you exported%s." % (env["IONOS_API_URL"], (
                      ", in contract %s" % env["IONOS_CONTRACT_NUMBER"]) if env.get("IONOS_CONTRACT_NUMBER") else ""))
        else:
            if env.get("IONOS_API_URL"):
                print("== IONOS_API_URL is set in your shell but ignored: the demo uses its own emulator "
                      "(run 'make demo DEMO_REAL_API=1' to use that API)")
            # None of the caller's IONOS_* settings may reach the playbook (a token, a contract number...).
            env = {name: value for name, value in env.items() if not name.startswith("IONOS_")}
            emulator = Emulator(username="demo@example.com", password=secrets.token_urlsafe(18)).start()
            env.update(IONOS_API_URL=emulator.url, IONOS_USERNAME=emulator.username, IONOS_PASSWORD=emulator.password)
            print("== Started the API emulator at %s (it stops when the demo ends)" % emulator.url)
        print("== ansible-playbook demo/demo.yml --diff", flush=True)
        try:
            return ansible("ansible-playbook", os.path.join(ROOT, "demo", "demo.yml"), "--diff", *playbook_args, env=env)
        finally:
            if emulator:
                emulator.stop()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
