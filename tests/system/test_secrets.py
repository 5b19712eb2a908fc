# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never leak: the integration targets and the Molecule scenario, run at -vvv, scanned.

Both suites run here the way their own runners run them, against an emulator whose credentials
are random (so a hit cannot be a coincidence):

- integration: every target of tests/integration/targets (a copy, with its own
  integration_config.yml), role targets through a ``roles: [target]`` playbook as ansible-test
  writes it, script targets through their ``runme.sh -vvv``;
- Molecule: the scenario's own playbooks in ``molecule test`` order (create, prepare, converge,
  idempotence, verify, cleanup, destroy), with the inventory and environment Molecule gives them.

Everything is kept and scanned: stdout and stderr of every run, every file the runs leave
(ANSIBLE_HOME, output directories, the scenario's ephemeral directory) and the emulator's
request log, for the API password, the token, the Basic ``Authorization`` value, every unit
password the suites use and every SSO login token the emulator issued. The chaos run
(test_chaos.py) scans its own -vvv run the same way; the three share the ``secrets`` summary line.

One file is left out on purpose: backupunit_sso_url's ``visible_run.log``, the target's control
run that prints an SSO URL without ``no_log`` to prove its own scan can find a token.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import REPO_ROOT, SecretScan, basic_value, new_password, record_secret_scan

BIN_DIR = Path(sys.executable).parent
CONTROL_RUN_LOGS = {"visible_run.log"}


def ansible_env(collection_path, home, **extra):
    env = {name: value for name, value in os.environ.items() if not name.startswith("IONOS_")}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collection_path,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "remote_tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "PATH": "%s:%s" % (BIN_DIR, env.get("PATH", "")),
    })
    env.update(extra)
    return env


def run(command, env, cwd, scan, label, runs):
    completed = subprocess.run(command, env=env, cwd=str(cwd), capture_output=True, text=True, timeout=600, check=False,
                               stdin=subprocess.DEVNULL)
    scan.scan(label + " stdout", completed.stdout)
    scan.scan(label + " stderr", completed.stderr)
    runs.append((label, completed))
    return completed


def declared_passwords(paths):
    """Every literal value of a key ending in "password" in these YAML files (the suites' unit passwords).

    Pass the files where a suite declares its data (defaults, vars, inventory variables), as users
    keep secrets in variables. A deliberately wrong password written inline in a task (to provoke a
    401) is no secret, and Ansible quotes task source lines when a task fails.
    """
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower().endswith("password") and isinstance(value, str) and "{{" not in value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in paths:
        walk(yaml.safe_load(Path(path).read_text()))
    return found


def emulator_control(url, path):
    control = url.split("/cloudapi/v6")[0] + "/_emulator" + path
    with urllib.request.urlopen(control, timeout=30) as answer:   # loopback only
        return json.loads(answer.read())


def format_hits(hits):
    return "%d leaks:\n%s" % (len(hits), "\n\n".join(
        "%s in %s, around:\n%s" % (label, source, context) for label, source, context in hits))


def failures(runs):
    return "\n\n".join("%s exited %d:\n%s\n%s" % (label, c.returncode, c.stdout[-6000:], c.stderr[-3000:])
                       for label, c in runs if c.returncode != 0)


class _Collector(list):
    """A scan target that keeps (label, data) to scan once all secrets are known."""

    def scan(self, label, data):
        self.append((label, data))


def test_integration_targets_at_vvv_leak_no_secret(collection_path, tmp_path):
    integration = tmp_path / "integration"
    shutil.copytree(REPO_ROOT / "tests" / "integration", integration,
                    ignore=shutil.ignore_patterns("integration_config.yml", "inventory", "output"))
    targets_dir = integration / "targets"
    targets = sorted(path.name for path in targets_dir.iterdir()
                     if path.is_dir() and not path.name.startswith(("setup_", "prepare_"))
                     and "hidden" not in (path / "aliases").read_text().split())
    assert targets, "no integration targets"
    home = tmp_path / "ansible_home"
    output_dir = tmp_path / "output"
    output_dir.mkdir()
    inventory = tmp_path / "inventory"
    inventory.write_text("[testgroup]\ntesthost ansible_connection=local ansible_python_interpreter=%s\n"
                         % sys.executable)
    runs = []
    with Emulator(provisioning_delay=0.05, username="integration@example.com", password=new_password("Api"),
                  token=new_password("Token")) as emu:
        config = integration / "integration_config.yml"
        config.write_text(yaml.safe_dump({
            "ionos_api_url": emu.url, "ionos_username": emu.username, "ionos_password": emu.password,
            "ionos_token": emu.token, "emulator_control_url": emu.control_url}))
        scan_later = _Collector()
        for target in targets:
            target_dir = targets_dir / target
            env = ansible_env(collection_path, home, ANSIBLE_ROLES_PATH=str(targets_dir),
                              INVENTORY_PATH=str(inventory), OUTPUT_DIR=str(output_dir))
            if (target_dir / "runme.sh").exists():
                run(["bash", "runme.sh", "-vvv"], env, target_dir, scan_later, target, runs)
            else:
                playbook = tmp_path / ("%s.yml" % target)
                playbook.write_text(yaml.safe_dump([{"hosts": "testhost", "gather_facts": True,
                                                     "roles": [{"role": target}]}]))
                run(["ansible-playbook", "-i", str(inventory), "-e", "@" + str(config), str(playbook), "-vvv"],
                    env, tmp_path, scan_later, target, runs)
        log = emu.log()
        sso_tokens = emu.sso_tokens()

    unit_passwords = declared_passwords(
        path for path in targets_dir.rglob("*.yml")
        if path.parent.name in ("defaults", "vars") or path.name.startswith(("defaults", "vars")))
    secrets = {"api password": emu.password, "api token": emu.token,
               "basic authorization": basic_value(emu.username, emu.password)}
    secrets.update(("unit password %d" % n, value) for n, value in enumerate(sorted(unit_passwords)) if len(value) >= 8)
    secrets.update(("sso token %d" % n, token) for n, token in enumerate(sso_tokens))
    scan = SecretScan(secrets)
    for label, data in scan_later:
        scan.scan(label, data)
    scan.scan("emulator log", json.dumps(log))
    for path in sorted(output_dir.rglob("*")):
        if path.is_file() and path.name not in CONTROL_RUN_LOGS:
            scan.scan(str(path), path.read_bytes())
    scan.scan_tree(home)

    record_secret_scan("integration", scan, sso_tokens)
    assert scan.hits == [], format_hits(scan.hits)
    assert sso_tokens, "the integration targets got no SSO URL, so the scan missed what matters most"
    assert not failures(runs), "the integration targets must pass for the scan to cover them:\n" + failures(runs)


def test_molecule_scenario_at_vvv_leaks_no_secret(collection_path, tmp_path):
    scenario = REPO_ROOT / "extensions" / "molecule" / "default"
    molecule = yaml.safe_load((scenario / "molecule.yml").read_text())
    inventory = tmp_path / "inventory.yml"
    # Molecule's inventory: its hosts, with its group_vars as the groups' vars.
    hosts = molecule["provisioner"]["inventory"]["hosts"]
    for group, group_vars in (molecule["provisioner"]["inventory"].get("group_vars") or {}).items():
        hosts.setdefault(group, {}).setdefault("vars", {}).update(group_vars)
    inventory.write_text(yaml.safe_dump(hosts))
    ephemeral = tmp_path / "ephemeral"
    ephemeral.mkdir()
    home = tmp_path / "ansible_home"
    env = ansible_env(collection_path, home, MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral),
                      MOLECULE_PROJECT_DIRECTORY=str(REPO_ROOT), MOLECULE_SCENARIO_DIRECTORY=str(scenario),
                      MOLECULE_SCENARIO_NAME="default")
    collected = _Collector()
    runs = []

    def playbook(name, label=None):
        return run(["ansible-playbook", "-i", str(inventory), str(scenario / name), "-vvv"], env, scenario,
                   collected, label or name, runs)

    created = playbook("create.yml")
    assert created.returncode == 0, failures(runs)
    state = yaml.safe_load((ephemeral / "emulator.yml").read_text())
    emulator_state = dict(state)
    log, sso_tokens = [], []
    try:
        for step in ("prepare.yml", "converge.yml"):
            playbook(step)
        playbook("converge.yml", "idempotence")
        playbook("verify.yml")
        playbook("cleanup.yml")
        log = emulator_control(state["molecule_emulator_url"], "/log")["requests"]
        sso_tokens = emulator_control(state["molecule_emulator_url"], "/sso-tokens")["tokens"]
    finally:
        playbook("destroy.yml")

    # Every file the scenario wrote while it ran (the emulator's address, its output, Ansible's files).
    files = _Collector()
    for path in sorted(list(ephemeral.rglob("*")) + list(home.rglob("*"))):
        if path.is_file():
            files.scan(str(path), path.read_bytes())

    secrets = {"api password": emulator_state["molecule_emulator_password"],
               "basic authorization": basic_value(emulator_state["molecule_emulator_username"],
                                                  emulator_state["molecule_emulator_password"])}
    unit_passwords = declared_passwords([scenario / "molecule.yml"])
    secrets.update(("unit password %d" % n, value) for n, value in enumerate(sorted(unit_passwords)))
    secrets.update(("sso token %d" % n, token) for n, token in enumerate(sso_tokens))
    scan = SecretScan(secrets)
    for label, data in collected + files:
        scan.scan(label, data)
    scan.scan("emulator log", json.dumps(log))

    record_secret_scan("molecule", scan, sso_tokens)
    assert scan.hits == [], format_hits(scan.hits)
    assert len(unit_passwords) >= 4
    assert not failures(runs), "the scenario must pass for the scan to cover it:\n" + failures(runs)
    assert not Path("/proc/%s" % state["molecule_emulator_pid"]).exists() or \
        "server.py" not in Path("/proc/%s/cmdline" % state["molecule_emulator_pid"]).read_text(errors="replace"), \
        "destroy.yml left the emulator running"
