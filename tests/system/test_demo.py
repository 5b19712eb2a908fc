# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's first command, `make demo`, does what the README says it does.

It builds and installs the collection, starts the emulator, runs demo/demo.yml with --diff and
shows a recap with the expected changes; the SSO login token and the passwords never appear.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request

import pytest

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import REPO_ROOT
from reliability.helpers import clean_env as without_ionos_env

DEMO_UNIT = "ansible-demo-backupunit"

# Every task of demo/demo.yml in order, with the status the default callback must print for it.
EXPECTED_TASKS = [
    ("Make sure the demo never touches a unit it did not create", "ok"),
    ("Stop when a unit of that name already exists", "ok"),
    ("Choose a password for the new unit", "ok"),
    ("Create the backup unit", "changed"),
    ("Show the new unit", "ok"),
    ("Run the same task again - nothing to do", "ok"),
    ("Change the email in check mode first, to see the diff without changing anything", "changed"),
    ("Change the email for real", "changed"),
    ("List all backup units", "ok"),
    ("Show the units the API knows", "ok"),
    ("Get a single sign-on URL for the backup portal (it carries a login token, so no_log)", "ok"),
    ("Show where the SSO URL leads, without its token", "ok"),
    ("Delete the backup unit", "changed"),
    ("Delete it again - already gone, nothing to do", "ok"),
    ("Check every step reported what it did", "ok"),
]

_TASK_HEADER = re.compile(r"^TASK \[(?P<name>.*)\] \*+$")
_HOST_STATUS = re.compile(r"^(?P<status>ok|changed|failed|fatal|skipping): \[localhost\]")


def task_sections(stdout):
    """[(task name, status, section text)] in the order the default callback printed them."""
    sections = []
    for line in stdout.splitlines():
        header = _TASK_HEADER.match(line)
        if header:
            sections.append([header.group("name"), None, []])
            continue
        if line.startswith("PLAY RECAP"):
            break
        if sections:
            sections[-1][2].append(line)
            status = _HOST_STATUS.match(line)
            if status and sections[-1][1] is None:
                sections[-1][1] = status.group("status")
    return [(name, status, "\n".join(lines)) for name, status, lines in sections]


def clean_env(**extra):
    """The test's environment without any IONOS_* setting, so the demo uses its own emulator."""
    return without_ionos_env(**dict({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}, **extra))


def run(command, env):
    return subprocess.run(command, cwd=str(REPO_ROOT), env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL, check=False)


def assert_demo_output(completed, parse_recap):
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output

    recap = parse_recap(completed.stdout)
    assert recap == {"localhost": {"ok": 15, "changed": 4, "unreachable": 0, "failed": 0,
                                   "skipped": 0, "rescued": 0, "ignored": 0}}, output

    sections = task_sections(completed.stdout)
    assert [(name, status) for name, status, _text in sections] == EXPECTED_TASKS, output
    by_name = {name: text for name, _status, text in sections}

    # --diff shows the email change, before and after, already in check mode.
    check_diff = by_name["Change the email in check mode first, to see the diff without changing anything"]
    assert "backup-admin@example.com" in check_diff and "backup-team@example.com" in check_diff, check_diff
    assert re.search(r"^-.*backup-admin@example\.com", check_diff, re.M), check_diff
    assert re.search(r"^\+.*backup-team@example\.com", check_diff, re.M), check_diff

    assert "Created %s (id " % DEMO_UNIT in by_name["Show the new unit"]
    assert DEMO_UNIT in by_name["Show the units the API knows"]

    # The SSO URL's host is shown; its one-time login token (#ott=...) and path never are.
    sso = by_name["Show where the SSO URL leads, without its token"]
    assert "on host backup.ionos.com (token hidden)" in sso, sso
    assert "ott=" not in output
    assert "external-login" not in output
    assert not re.search(r"https://backup\.ionos\.com\S*[?#]", output)
    return output


def assert_emulator_stopped(output):
    """The emulator the demo started no longer answers on its port."""
    url = re.search(r"Started the API emulator at (http://127\.0\.0\.1:\d+)/cloudapi/v6", output).group(1)
    with pytest.raises(OSError):  # connection refused: nothing listens there any more
        urllib.request.urlopen(url + "/_emulator/config", timeout=5).close()


def test_make_demo_runs_the_whole_life_of_a_unit_on_the_embedded_emulator(parse_recap):
    completed = run(["make", "--no-print-directory", "demo"], clean_env())
    output = assert_demo_output(completed, parse_recap)
    assert_emulator_stopped(output)


def test_demo_stops_its_emulator_when_the_playbook_fails(parse_recap):
    # An empty unit name makes the first task fail.
    completed = run(["bash", "scripts/demo.sh", "-e", '{"demo_unit_name": ""}'], clean_env())
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "name must not be empty" in output or "422" in output, output
    assert parse_recap(completed.stdout).get("localhost", {}).get("failed") == 1, output
    assert_emulator_stopped(output)


def test_demo_uses_the_api_named_by_IONOS_API_URL_and_starts_no_emulator(parse_recap):
    with Emulator(username="someone@example.com", password="Pa55-not-printed-anywhere") as emu:
        env = clean_env(IONOS_API_URL=emu.url, IONOS_USERNAME=emu.username, IONOS_PASSWORD=emu.password)
        completed = run(["bash", "scripts/demo.sh"], env)
        output = assert_demo_output(completed, parse_recap)
        assert "IONOS_API_URL is set: running against %s (no emulator started)" % emu.url in output
        assert "Started the API emulator" not in output
        assert emu.password not in output
        # The emulator lists the login tokens it put into SSO URLs: the demo fetched one, printed none.
        status, _headers, issued = emu.raw("GET", emu.control_url + "/sso-tokens")
        tokens = json.loads(issued)["tokens"]
        assert status == 200 and len(tokens) == 1, issued
        assert tokens[0] not in output

        calls = [(entry["method"], entry["path"].split("/cloudapi/v6", 1)[1]) for entry in emu.log()]
        writes = [(method, path) for method, path in calls if method in ("POST", "PUT", "PATCH", "DELETE")]
        assert [method for method, _path in writes] in (["POST", "PUT", "DELETE"], ["POST", "PATCH", "DELETE"]), calls
        assert any(path.endswith("/ssourl") for _method, path in calls), calls
        assert emu.units() == []


def test_demo_refuses_to_touch_a_unit_it_did_not_create(parse_recap):
    with Emulator() as emu:
        emu.create_unit(DEMO_UNIT, email="someone-else@example.com", password="Their-own-pass-1", wait=True)
        emu.clear_log()

        env = clean_env(IONOS_API_URL=emu.url, IONOS_USERNAME=emu.username, IONOS_PASSWORD=emu.password)
        completed = run(["bash", "scripts/demo.sh"], env)
        output = completed.stdout + completed.stderr
        assert completed.returncode != 0, output
        assert "A backup unit named %s already exists" % DEMO_UNIT in output
        assert parse_recap(completed.stdout).get("localhost", {}).get("changed") == 0, output
        assert [entry["method"] for entry in emu.log()] and all(entry["method"] == "GET" for entry in emu.log())
        [unit] = emu.units()
        assert unit["name"] == DEMO_UNIT and unit["email"] == "someone-else@example.com"
