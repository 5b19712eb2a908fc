# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's first command, `make demo`, does what the README says it does.

It builds and installs the collection, starts the emulator, runs demo/demo.yml with --diff, shows a recap
with the expected changes and stops the emulator; the SSO login token and the passwords never appear.
Which tasks change something, demo/demo.yml checks itself in its last task. An IONOS_API_URL exported
in the caller's shell is ignored: only DEMO_REAL_API=1 leaves the emulator.
"""

from __future__ import annotations

import re
import sys
import urllib.request

import pytest

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from ansible_runs import run

DEMO_UNIT = "ansible-demo-backupunit"


def assert_demo_output(result):
    output = result.output
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output  # e.g. a CryptographyDeprecationWarning of an unpinned dependency
    # All 15 tasks of demo/demo.yml ran (none skipped), 4 of them changed something.
    assert result.recap == {"localhost": {"ok": 15, "changed": 4, "unreachable": 0, "failed": 0,
                                          "skipped": 0, "rescued": 0, "ignored": 0}}, output
    # --diff shows the email change, before and after, already in check mode.
    check_mode_task = output.split("TASK [Change the email in check mode first", 1)[1].split("TASK [", 1)[0]
    assert re.search(r"^-.*backup-admin@example\.com.*\n\+.*backup-team@example\.com", check_mode_task, re.M), output
    assert "Created %s (id " % DEMO_UNIT in output
    # The SSO URL's host is shown; its one-time login token (#ott=...) and path never are.
    assert "SSO login for %s on host backup.ionos.com (token hidden)" % DEMO_UNIT in output
    assert "ott=" not in output and "external-login" not in output
    assert not re.search(r"https://backup\.ionos\.com\S*[?#]", output)


def assert_emulator_stopped(output):
    """The emulator the demo started no longer answers on its port."""
    url = re.search(r"Started the API emulator at (http://127\.0\.0\.1:\d+)/cloudapi/v6", output).group(1)
    with pytest.raises(OSError):  # connection refused: nothing listens there any more
        urllib.request.urlopen(url + "/_emulator/config", timeout=5).close()


def test_make_demo_runs_the_whole_life_of_a_unit_on_its_own_emulator_whatever_the_shell_exports():
    # A shell set up for another IONOS tool: ignored, so the demo cannot touch a real account by accident.
    # Nothing listens on port 9, and the token would be refused by the emulator.
    result = run(["make", "--no-print-directory", "demo"], IONOS_API_URL="http://127.0.0.1:9/cloudapi/v6",
                 IONOS_TOKEN="tk-of-some-other-tool")
    assert_demo_output(result)
    assert_emulator_stopped(result.output)
    assert "IONOS_API_URL is set in your shell but ignored: the demo uses its own emulator " \
           "(run 'make demo DEMO_REAL_API=1' to use that API)" in result.output


def test_demo_stops_its_emulator_when_the_playbook_fails():
    result = run([sys.executable, "scripts/demo.py", "-e", '{"demo_unit_name": ""}'])  # an empty name fails the first task
    assert result.returncode != 0 and result.recap["localhost"]["failed"] == 1, result.output
    assert_emulator_stopped(result.output)


def test_demo_with_DEMO_REAL_API_uses_IONOS_API_URL_and_never_touches_a_unit_it_did_not_create():
    with Emulator(username="someone@example.com", password="Pa55-not-printed-anywhere") as emu:
        real_api = {"DEMO_REAL_API": "1", "IONOS_API_URL": emu.url, "IONOS_USERNAME": emu.username,
                    "IONOS_PASSWORD": emu.password}
        result = run([sys.executable, "scripts/demo.py"], **real_api)
        assert_demo_output(result)
        assert "DEMO_REAL_API=1: running against the API at %s (no emulator started)" % emu.url in result.output
        assert "Started the API emulator" not in result.output and emu.password not in result.output
        # The emulator lists the login tokens it put into SSO URLs: the demo fetched one, printed none.
        [token] = emu.sso_tokens()
        assert token not in result.output
        writes = [entry["method"] for entry in emu.log() if entry["method"] != "GET"]
        assert writes in (["POST", "PUT", "DELETE"], ["POST", "PATCH", "DELETE"]), emu.log()
        assert emu.units() == []  # the demo leaves nothing behind

        emu.create_unit(DEMO_UNIT, email="someone-else@example.com", password="Their-own-pass-1", wait=True)
        emu.clear_log()
        result = run([sys.executable, "scripts/demo.py"], **real_api)
        assert result.returncode != 0 and result.recap["localhost"]["changed"] == 0, result.output
        assert "A backup unit named %s already exists" % DEMO_UNIT in result.output
        assert emu.log() and all(entry["method"] == "GET" for entry in emu.log()), emu.log()
