# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chaos run: every operation of the collection, 10 forks at once, while the API misbehaves.

Ten inventory hosts (all local, ``--forks 10``) each drive their own backup units through
create, create again, email change, password rotation (``update_password: always``), info by
name / id / all, SSO URL, delete, delete again, and a second create + update: 21 module runs
per host, 210 in all. Meanwhile the emulator's chaos mode answers a seeded 15 % of the API
requests with 429, 500, 502 or 503, drops the connection (before or after applying a write),
or answers only after the modules' HTTP ``timeout`` has passed.

These faults are transient, so a correct collection shows: no failed task, no unit created
twice, no unit lost, and the emulator ends holding exactly the desired units with the desired
emails and passwords. The run is at ``-vvv`` and its output, the emulator's log and every
file left under ANSIBLE_HOME are scanned for the credentials, passwords and SSO tokens.
"""

from __future__ import annotations

import collections
import json

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import (
    SecretScan,
    basic_value,
    module_defaults,
    new_password,
    playbook_yaml,
    replay_chaos,
    sha256,
)

HOSTS = ["h%02d" % number for number in range(10)]
SEED = 20250611
CHAOS_RATE = 0.15
HTTP_TIMEOUT = 2            # the modules' `timeout` option
DELAY_BEYOND_TIMEOUT = 3    # seconds a delayed answer takes: more than HTTP_TIMEOUT
CHAOS_ACTIONS = [
    {"action": "status", "status": 429, "retry_after": 1},
    {"action": "status", "status": 500},
    {"action": "status", "status": 502},
    {"action": "status", "status": 503},
    {"action": "drop"},
    {"action": "apply_then_drop"},
    {"action": "delay", "seconds": DELAY_BEYOND_TIMEOUT},
]
# The registered variables of the module tasks, in play order (each loop item is one operation).
OPERATION_REGISTERS = ["created", "created_again", "emails_changed", "passwords_rotated", "info_by_name",
                       "info_all", "info_by_id", "sso_urls", "deleted", "deleted_again", "second_created",
                       "second_updated"]

UNIT = "chaos-{{ inventory_hostname }}-%s"
PASSWORDS = "chaos_passwords[inventory_hostname]"


def unit_task(title, register, loop=None, **options):
    task = {"name": title, "ionoscloud.backup.backupunit": options, "register": register,
            "ignore_errors": True}
    if loop:
        task["loop"] = loop
    return task


def chaos_playbook(emu, results_dir):
    tasks = [
        unit_task("Create three units", "created", loop=["a", "b", "c"],
                  name=UNIT % "{{ item }}", email="{{ item }}-v1@{{ inventory_hostname }}.example.com",
                  backupunit_password="{{ %s.first }}" % PASSWORDS),
        unit_task("Create them again: nothing to do", "created_again", loop=["a", "b", "c"],
                  name=UNIT % "{{ item }}", email="{{ item }}-v1@{{ inventory_hostname }}.example.com",
                  backupunit_password="{{ %s.first }}" % PASSWORDS),
        unit_task("Change their email", "emails_changed", loop=["a", "b", "c"],
                  name=UNIT % "{{ item }}", email="{{ item }}-v2@{{ inventory_hostname }}.example.com"),
        unit_task("Rotate the password of a and b", "passwords_rotated", loop=["a", "b"],
                  name=UNIT % "{{ item }}", email="{{ item }}-v2@{{ inventory_hostname }}.example.com",
                  backupunit_password="{{ %s.second }}" % PASSWORDS, update_password="always"),
        {"name": "Read unit a by name", "ionoscloud.backup.backupunit_info": {"name": UNIT % "a"},
         "register": "info_by_name", "ignore_errors": True},
        {"name": "Read every unit", "ionoscloud.backup.backupunit_info": {},
         "register": "info_all", "ignore_errors": True},
        {"name": "Read unit b by the id its create returned",
         "ionoscloud.backup.backupunit_info": {"id": "{{ created.results[1].backupunit.id | default('unknown') }}"},
         "register": "info_by_id", "ignore_errors": True},
        {"name": "Get the SSO URLs of a and b (the URL carries a login token: no_log)",
         "ionoscloud.backup.backupunit_sso_url": {"name": UNIT % "{{ item }}"},
         "loop": ["a", "b"], "register": "sso_urls", "no_log": True, "ignore_errors": True},
        unit_task("Delete unit c", "deleted", name=UNIT % "c", state="absent"),
        unit_task("Delete unit c again: nothing to do", "deleted_again", name=UNIT % "c", state="absent"),
        unit_task("Create unit d", "second_created", name=UNIT % "d",
                  email="d-v1@{{ inventory_hostname }}.example.com",
                  backupunit_password="{{ %s.first }}" % PASSWORDS),
        unit_task("Update unit d", "second_updated", name=UNIT % "d",
                  email="d-v3@{{ inventory_hostname }}.example.com"),
        {
            # Only what the test checks, and never an SSO URL: the file is part of the secret scan.
            "name": "Save what every operation returned",
            "ansible.builtin.copy": {
                "dest": "%s/{{ inventory_hostname }}.json" % results_dir,
                "mode": "0600",
                "content": "{{ chaos_report | ansible.builtin.to_json }}",
            },
            "vars": {
                "chaos_report": {
                    "operations": {
                        register: "{{ %s.results | default([%s]) }}" % (register, register)
                        for register in OPERATION_REGISTERS if register != "sso_urls"
                    },
                    "sso_url_failed": "{{ sso_urls.results | map(attribute='failed', default=false) | list }}",
                    "sso_url_hosts": "{{ sso_urls.results | selectattr('sso_url', 'defined')"
                                     " | map(attribute='sso_url') | map('ansible.builtin.urlsplit', 'hostname') | list }}",
                },
            },
        },
    ]
    return playbook_yaml([{
        "name": "Chaos run",
        "hosts": "chaos",
        "gather_facts": False,
        "module_defaults": module_defaults(emu, timeout=HTTP_TIMEOUT),
        "tasks": tasks,
    }])


def desired_units():
    """{(name): email} of what must exist at the end, for every host."""
    wanted = {}
    for host in HOSTS:
        for letter in ("a", "b"):
            wanted["chaos-%s-%s" % (host, letter)] = "%s-v2@%s.example.com" % (letter, host)
        wanted["chaos-%s-d" % host] = "d-v3@%s.example.com" % host
    return wanted


def test_chaos_run_converges_without_failures_duplicates_or_losses(tmp_path, run_playbook):
    passwords = {host: {"first": new_password("Chaos1"), "second": new_password("Chaos2")} for host in HOSTS}
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    ansible_home = tmp_path / "ansible_home"
    inventory = tmp_path / "chaos_inventory.ini"
    inventory.write_text("[chaos]\n%s\n\n[chaos:vars]\nansible_connection=local\n" % "\n".join(HOSTS))

    with Emulator(provisioning_delay=0.05, username="chaos@example.com", password=new_password("Api"),
                  token=new_password("Token")) as emu:
        emu.configure(chaos={"rate": CHAOS_RATE, "actions": CHAOS_ACTIONS, "seed": SEED})
        result = run_playbook(
            chaos_playbook(emu, results_dir),
            extra_vars={"chaos_passwords": passwords},
            verbosity=3,
            args=("-i", str(inventory), "--forks", str(len(HOSTS))),
            env={"ANSIBLE_LOCAL_TEMP": str(ansible_home / "tmp"), "ANSIBLE_REMOTE_TEMP": str(ansible_home / "remote_tmp")},
            timeout=900,
        )
        emu.configure(chaos=None)
        log = emu.log()
        units = emu.units()
        sso_tokens = emu.sso_tokens()

    assert result.returncode == 0, result.output[-20000:]

    # -- every operation ran, and none failed --------------------------------------------------
    operations = []
    reports = {}
    for host in HOSTS:
        report_path = results_dir / ("%s.json" % host)
        assert report_path.is_file(), "host %s did not finish the play:\n%s" % (host, result.output[-20000:])
        report = reports[host] = json.loads(report_path.read_text())
        report["operations"]["sso_urls"] = [{"failed": flag} for flag in report["sso_url_failed"]]
        for register in OPERATION_REGISTERS:
            operations += [(host, register, outcome) for outcome in report["operations"][register]]
    failed = [(host, register, outcome.get("msg")) for host, register, outcome in operations if outcome.get("failed")]
    assert len(operations) >= 200, len(operations)
    assert failed == [], "%d tasks failed under transient faults:\n%s" % (len(failed), "\n".join(map(str, failed)))
    assert all(stats.get("failed", 0) == 0 and stats.get("ignored", 0) == 0 for stats in result.recap.values()), \
        result.recap

    for host, report in reports.items():
        # The SSO URLs were real portal URLs (only their host name was saved, never the token).
        assert report["sso_url_hosts"] == ["backup.ionos.com", "backup.ionos.com"], (host, report)
        by_name = report["operations"]["info_by_name"][0]
        assert [u["properties"]["name"] for u in by_name["backupunits"]] == ["chaos-%s-a" % host], by_name
        by_id = report["operations"]["info_by_id"][0]
        assert [u["properties"]["name"] for u in by_id["backupunits"]] == ["chaos-%s-b" % host], by_id
        every = {u["properties"]["name"] for u in report["operations"]["info_all"][0]["backupunits"]}
        assert {"chaos-%s-%s" % (host, letter) for letter in "abc"} <= every, every
        changed = {register: [bool(o.get("changed")) for o in report["operations"][register]]
                   for register in OPERATION_REGISTERS}
        # What a user reads in the recap stays true under faults: a write that happened is "changed",
        # a run with nothing to do is not.
        assert changed["created"] == [True, True, True], (host, changed)
        assert changed["created_again"] == [False, False, False], (host, changed)
        assert changed["emails_changed"] == [True, True, True], (host, changed)
        assert changed["passwords_rotated"] == [True, True], (host, changed)
        assert changed["deleted"] == [True] and changed["deleted_again"] == [False], (host, changed)
        assert changed["second_created"] == [True] and changed["second_updated"] == [True], (host, changed)

    # -- the end state is the desired state ----------------------------------------------------
    wanted = desired_units()
    names = collections.Counter(unit["name"] for unit in units)
    duplicates = {name: count for name, count in names.items() if count > 1}
    lost = sorted(set(wanted) - set(names))
    unexpected = sorted(set(names) - set(wanted))
    assert duplicates == {}, duplicates
    assert lost == [], lost
    assert unexpected == [], unexpected
    for unit in units:
        host, letter = unit["name"].split("-")[1:]
        expected_password = passwords[host]["second" if letter in ("a", "b") else "first"]
        assert unit["email"] == wanted[unit["name"]], unit
        assert unit["password_sha256"] == sha256(expected_password), unit["name"]
        assert unit["state"] == "AVAILABLE", unit

    # -- what was injected: replayed from the seed, cross-checked with the log -----------------
    injected = replay_chaos(SEED, CHAOS_RATE, CHAOS_ACTIONS, len(log))
    answered = collections.Counter(entry["status"] for entry in log)
    for status in (429, 500, 502, 503):
        assert answered[status] == injected["status %d" % status], (status, answered, injected)
    assert answered[None] == injected["drop"] + injected["apply_then_drop"], (answered, injected)
    total_injected = sum(injected.values())
    assert CHAOS_RATE * 0.6 <= total_injected / len(log) <= CHAOS_RATE * 1.4, (total_injected, len(log))

    # -- nothing secret in the -vvv output, the emulator log or the files left behind ----------
    secrets_to_find = {"api password": emu.password, "api token": emu.token,
                       "basic authorization": basic_value(emu.username, emu.password)}
    for host, pair in passwords.items():
        secrets_to_find["%s first password" % host] = pair["first"]
        secrets_to_find["%s second password" % host] = pair["second"]
    assert len(sso_tokens) >= 2 * len(HOSTS)
    secrets_to_find.update(("sso token %d" % number, token) for number, token in enumerate(sso_tokens))
    scan = SecretScan(secrets_to_find)
    scan.scan("ansible-playbook stdout", result.stdout)
    scan.scan("ansible-playbook stderr", result.stderr)
    scan.scan("emulator log", json.dumps(log))
    scan.scan_tree(results_dir)
    scan.scan_tree(ansible_home)
    assert scan.hits == [], scan.hits
