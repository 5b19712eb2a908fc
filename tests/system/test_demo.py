# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's first command, `make demo`, does what the README says it does.

It builds and installs the collection, starts the emulator, runs demo/demo.yml with --diff and
shows a recap with the expected changes; the SSO login token and the passwords never appear.
An IONOS_API_URL exported in the caller's shell is ignored: only DEMO_REAL_API=1 leaves the emulator.
Which tasks change something, demo/demo.yml checks itself in its last task.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request

import pytest
import yaml

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import REPO_ROOT, clean_env, parse_recap, writes

DEMO_UNIT = "ansible-demo-backupunit"
DEMO_TASKS = [task["name"] for task in yaml.safe_load((REPO_ROOT / "demo" / "demo.yml").read_text())[0]["tasks"]]


def run(command, **env):
    """``command`` in the clone, without any IONOS_* or DEMO_REAL_API setting but ``env``: (status, output, recap)."""
    completed = subprocess.run(command, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=900,
                               stdin=subprocess.DEVNULL, check=False,
                               env=clean_env(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **dict({"DEMO_REAL_API": ""}, **env)))
    return completed.returncode, completed.stdout + completed.stderr, parse_recap(completed.stdout)


def assert_demo_output(status, output, recap):
    assert status == 0, output
    assert "warning" not in output.lower(), output  # e.g. a CryptographyDeprecationWarning of an unpinned dependency
    assert recap == {"localhost": {"ok": 15, "changed": 4, "unreachable": 0, "failed": 0,
                                   "skipped": 0, "rescued": 0, "ignored": 0}}, output
    # Every task of demo/demo.yml, in order, each with the line the default callback prints for it.
    sections = re.findall(r"^TASK \[([^\n]*)\] \*+\n(.*?)(?=^TASK \[|^PLAY RECAP)", output, re.M | re.S)
    assert [name for name, _text in sections] == DEMO_TASKS, output
    assert all(re.search(r"^(ok|changed): \[localhost\]", text, re.M) for _name, text in sections), output
    by_name = dict(sections)

    # --diff shows the email change, before and after, already in check mode.
    check_diff = by_name["Change the email in check mode first, to see the diff without changing anything"]
    assert re.search(r"^-.*backup-admin@example\.com", check_diff, re.M), check_diff
    assert re.search(r"^\+.*backup-team@example\.com", check_diff, re.M), check_diff
    assert "Created %s (id " % DEMO_UNIT in by_name["Show the new unit"]
    assert DEMO_UNIT in by_name["Show the units the API knows"]

    # The SSO URL's host is shown; its one-time login token (#ott=...) and path never are.
    assert "on host backup.ionos.com (token hidden)" in by_name["Show where the SSO URL leads, without its token"]
    assert "ott=" not in output and "external-login" not in output
    assert not re.search(r"https://backup\.ionos\.com\S*[?#]", output)


def assert_emulator_stopped(output):
    """The emulator the demo started no longer answers on its port."""
    url = re.search(r"Started the API emulator at (http://127\.0\.0\.1:\d+)/cloudapi/v6", output).group(1)
    with pytest.raises(OSError):  # connection refused: nothing listens there any more
        urllib.request.urlopen(url + "/_emulator/config", timeout=5).close()


@pytest.mark.parametrize("shell", [
    {},
    # A shell set up for another IONOS tool: ignored, so the demo cannot touch a real account by accident.
    # Nothing listens on port 9, and the token would be refused by the emulator.
    {"IONOS_API_URL": "http://127.0.0.1:9/cloudapi/v6", "IONOS_TOKEN": "tk-of-some-other-tool"},
], ids=["clean-shell", "inherited-IONOS_API_URL-ignored"])
def test_make_demo_runs_the_whole_life_of_a_unit_on_the_embedded_emulator(shell):
    status, output, recap = run(["make", "--no-print-directory", "demo"], **shell)
    assert_demo_output(status, output, recap)
    assert_emulator_stopped(output)
    ignored = "IONOS_API_URL is set in your shell but ignored: the demo uses its own emulator " \
              "(run 'make demo DEMO_REAL_API=1' to use that API)"
    assert (ignored in output) == bool(shell), output


def test_demo_stops_its_emulator_when_the_playbook_fails():
    # An empty unit name makes the first task fail.
    status, output, recap = run(["bash", "scripts/demo.sh", "-e", '{"demo_unit_name": ""}'])
    assert status != 0 and recap.get("localhost", {}).get("failed") == 1, output
    assert "name must not be empty" in output or "422" in output, output
    assert_emulator_stopped(output)


def test_demo_with_DEMO_REAL_API_uses_the_api_named_by_IONOS_API_URL_and_starts_no_emulator():
    with Emulator(username="someone@example.com", password="Pa55-not-printed-anywhere") as emu:
        status, output, recap = run(["bash", "scripts/demo.sh"], DEMO_REAL_API="1", IONOS_API_URL=emu.url,
                                    IONOS_USERNAME=emu.username, IONOS_PASSWORD=emu.password)
        assert_demo_output(status, output, recap)
        assert "DEMO_REAL_API=1: running against the API at %s (no emulator started)" % emu.url in output
        assert "Started the API emulator" not in output and emu.password not in output
        # The emulator lists the login tokens it put into SSO URLs: the demo fetched one, printed none.
        [token] = emu.sso_tokens()
        assert token not in output

        log = emu.log()
        assert [entry["method"] for entry in writes(log)] in (["POST", "PUT", "DELETE"], ["POST", "PATCH", "DELETE"]), log
        assert any(entry["path"].endswith("/ssourl") for entry in log), log
        assert emu.units() == []


def test_demo_refuses_to_touch_a_unit_it_did_not_create():
    with Emulator() as emu:
        emu.create_unit(DEMO_UNIT, email="someone-else@example.com", password="Their-own-pass-1", wait=True)
        emu.clear_log()

        status, output, recap = run(["bash", "scripts/demo.sh"], DEMO_REAL_API="1", IONOS_API_URL=emu.url,
                                    IONOS_USERNAME=emu.username, IONOS_PASSWORD=emu.password)

        assert status != 0 and recap.get("localhost", {}).get("changed") == 0, output
        assert "A backup unit named %s already exists" % DEMO_UNIT in output
        assert emu.log() and all(entry["method"] == "GET" for entry in emu.log())
        assert [(unit["name"], unit["email"]) for unit in emu.units()] == [(DEMO_UNIT, "someone-else@example.com")]
