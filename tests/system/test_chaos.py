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

Optional, outside `make test` (it takes minutes; the unit tests prove the retries and lost answers
it exercises): it runs only when IONOS_CHAOS=1 is set, e.g.
``IONOS_CHAOS=1 .venv/tools/bin/python -m pytest -p no:cacheprovider tests/system/test_chaos.py``.
"""

from __future__ import annotations

import collections
import json
import os
import random
from urllib.parse import quote

import pytest

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import module_defaults, new_password, playbook, sha256

pytestmark = pytest.mark.skipif(os.environ.get("IONOS_CHAOS") != "1", reason="optional: set IONOS_CHAOS=1 to run it")

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
UNIT = "chaos-{{ inventory_hostname }}-%s"
EMAIL = "%s@{{ inventory_hostname }}.example.com"
PASSWORD = "{{ chaos_passwords[inventory_hostname].%s }}"
# What each write task must report, per loop item: a write that happened is "changed" even when
# faults made it take several attempts; a run with nothing to do is not.
WRITES_CHANGED = {"created": [True] * 3, "created_again": [False] * 3, "emails_changed": [True] * 3,
                  "passwords_rotated": [True] * 2, "deleted": [True], "deleted_again": [False],
                  "second_created": [True], "second_updated": [True]}
READS = ["info_by_name", "info_all", "info_by_id"]
OPERATIONS = list(WRITES_CHANGED) + READS


def task(register, module="backupunit", loop=None, **options):
    return dict({"name": register, "ionoscloud.backup." + module: options, "register": register,
                 "ignore_errors": True}, **({"loop": loop} if loop else {}))


def chaos_playbook(emu, results_dir):
    create = dict(name=UNIT % "{{ item }}", email=EMAIL % "{{ item }}-v1", backupunit_password=PASSWORD % "first")
    tasks = [
        task("created", loop=["a", "b", "c"], **create),
        task("created_again", loop=["a", "b", "c"], **create),
        task("emails_changed", loop=["a", "b", "c"], name=UNIT % "{{ item }}", email=EMAIL % "{{ item }}-v2"),
        task("passwords_rotated", loop=["a", "b"], name=UNIT % "{{ item }}", email=EMAIL % "{{ item }}-v2",
             backupunit_password=PASSWORD % "second", update_password="always"),
        task("info_by_name", "backupunit_info", name=UNIT % "a"),
        task("info_all", "backupunit_info"),
        task("info_by_id", "backupunit_info", id="{{ created.results[1].backupunit.id | default('unknown') }}"),
        dict(task("sso_urls", "backupunit_sso_url", loop=["a", "b"], name=UNIT % "{{ item }}"), no_log=True),
        task("deleted", name=UNIT % "c", state="absent"),
        task("deleted_again", name=UNIT % "c", state="absent"),
        task("second_created", name=UNIT % "d", email=EMAIL % "d-v1", backupunit_password=PASSWORD % "first"),
        task("second_updated", name=UNIT % "d", email=EMAIL % "d-v3"),
        {
            # Only what the test checks, and never an SSO URL (it carries a login token): the file is scanned.
            "name": "Save what every operation returned",
            "ansible.builtin.copy": {"dest": "%s/{{ inventory_hostname }}.json" % results_dir, "mode": "0600",
                                     "content": "{{ chaos_report | ansible.builtin.to_json }}"},
            "vars": {"chaos_report": dict({
                register: "{{ %s.results | default([%s]) }}" % (register, register)
                for register in OPERATIONS},
                sso_url_failed="{{ sso_urls.results | map(attribute='failed', default=false) | list }}",
                sso_url_hosts="{{ sso_urls.results | selectattr('sso_url', 'defined') | map(attribute='sso_url')"
                              " | map('ansible.builtin.urlsplit', 'hostname') | list }}")},
        },
    ]
    return playbook(hosts="chaos", tasks=tasks, module_defaults=module_defaults(emu, timeout=HTTP_TIMEOUT))


def test_chaos_run_converges_without_failures_duplicates_or_losses(tmp_path, run_playbook):
    passwords = {host: {"first": new_password("Chaos1"), "second": new_password("Chaos2")} for host in HOSTS}
    results_dir = tmp_path / "results"
    results_dir.mkdir()
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
            env={"ANSIBLE_LOCAL_TEMP": str(run_playbook.home / "tmp"), "ANSIBLE_REMOTE_TEMP": str(run_playbook.home / "remote_tmp")},
            timeout=900,
        )
        emu.configure(chaos=None)
        log = emu.log()
        units = emu.units()
        sso_tokens = emu.sso_tokens()

    assert result.returncode == 0, result.output[-20000:]

    # -- every operation ran, and none failed -----------------------------------------------------
    reports = {}
    for host in HOSTS:
        report_path = results_dir / ("%s.json" % host)
        assert report_path.is_file(), "host %s did not finish the play:\n%s" % (host, result.output[-20000:])
        reports[host] = json.loads(report_path.read_text())
    failed = [(host, register, outcome.get("msg")) for host, report in reports.items()
              for register in OPERATIONS for outcome in report[register] if outcome.get("failed")]
    failed += [(host, "sso_urls", "failed") for host, report in reports.items() if any(report["sso_url_failed"])]
    assert failed == [], "%d tasks failed under transient faults:\n%s" % (len(failed), "\n".join(map(str, failed)))
    assert sum(len(report[register]) for report in reports.values() for register in OPERATIONS + ["sso_url_failed"]) >= 200
    assert all(stats.get("failed", 0) == 0 and stats.get("ignored", 0) == 0 for stats in result.recap.values()), \
        result.recap

    for host, report in reports.items():
        # The SSO URLs were real portal URLs (only their host name was saved, never the token).
        assert report["sso_url_hosts"] == ["backup.ionos.com", "backup.ionos.com"], (host, report)
        assert [u["properties"]["name"] for u in report["info_by_name"][0]["backupunits"]] == ["chaos-%s-a" % host]
        assert [u["properties"]["name"] for u in report["info_by_id"][0]["backupunits"]] == ["chaos-%s-b" % host]
        every = {u["properties"]["name"] for u in report["info_all"][0]["backupunits"]}
        assert {"chaos-%s-%s" % (host, letter) for letter in "abc"} <= every, every
        changed = {register: [bool(outcome.get("changed")) for outcome in report[register]] for register in WRITES_CHANGED}
        assert changed == WRITES_CHANGED, (host, changed)

    # -- the end state is the desired state: no unit twice, none lost, none unexpected -------------
    wanted = {}
    for host, pair in passwords.items():
        for letter in ("a", "b"):
            wanted["chaos-%s-%s" % (host, letter)] = ("%s-v2@%s.example.com" % (letter, host), sha256(pair["second"]))
        wanted["chaos-%s-d" % host] = ("d-v3@%s.example.com" % host, sha256(pair["first"]))
    assert sorted(unit["name"] for unit in units) == sorted(wanted)
    assert {unit["name"]: (unit["email"], unit["password_sha256"]) for unit in units} == wanted
    assert {unit["state"] for unit in units} == {"AVAILABLE"}

    # -- what was injected, replayed from the seed: the emulator draws random() once per API request
    # and choice(actions) when the draw is below the rate, whatever the request, so the same draws give
    # exactly what it injected. Every fault status in the log must be one of them, and each kind occurred.
    rng, injected = random.Random(SEED), collections.Counter()
    for _entry in log:
        if rng.random() < CHAOS_RATE:
            action = rng.choice(CHAOS_ACTIONS)
            injected[action.get("status", action["action"])] += 1
    answered = collections.Counter(entry["status"] for entry in log)
    statuses = (429, 500, 502, 503)
    assert [answered[status] for status in statuses] == [injected[status] for status in statuses], (answered, injected)
    assert answered[None] == injected["drop"] + injected["apply_then_drop"], (answered, injected)
    assert all(answered[status] for status in statuses + (None,)), answered
    assert CHAOS_RATE * 0.6 <= sum(injected.values()) / len(log) <= CHAOS_RATE * 1.4, (injected, len(log))

    # -- nothing secret in the -vvv output, the emulator log or the files left behind ----------
    assert len(sso_tokens) >= 2 * len(HOSTS)
    secrets = {"api password": emu.password, "api token": emu.token,
               "basic authorization": emu.auth_header()["Authorization"].split(" ", 1)[1]}
    secrets.update(("sso token %d" % number, token) for number, token in enumerate(sso_tokens))
    secrets.update(("%s %s password" % (host, which), value)
                   for host, pair in passwords.items() for which, value in pair.items())
    sources = {"ansible-playbook output": result.output, "emulator log": json.dumps(log)}
    sources.update((str(path), path.read_text(errors="replace")) for root in (results_dir, run_playbook.home)
                   for path in root.rglob("*") if path.is_file() and not path.is_symlink())
    leaks = [(label, source) for label, secret in secrets.items() for source, text in sources.items()
             if secret in text or quote(secret, safe="") in text]
    assert len(sources) >= 2 + len(HOSTS) and leaks == [], leaks
