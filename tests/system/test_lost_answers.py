# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lost answers: the API applies a write, then the connection drops before its answer arrives.

For a POST (create), a PATCH (email change) and a DELETE, the module must find out by reading
back, and converge: no second unit, no second write of a change that was applied, no error.
Each case runs with the API's usual short provisioning time and with a slow one, where the
write is still running when the module reads back.
"""

from __future__ import annotations

import pytest

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import backupunit_play, new_password, sha256, writes

UNIT_NAME = "lost-answer-unit"
PROVISIONING_DELAYS = [pytest.param(0.05, id="fast-api"), pytest.param(1.5, id="slow-api")]
UNIT_PATH = r"^/cloudapi/v6/backupunits/[^/]+$"


def unit_play(emu, **options):
    return backupunit_play(emu, **dict({"name": UNIT_NAME}, **options))


def create_unit(emu, password):
    body, _headers = emu.create_unit(UNIT_NAME, email="first@example.com", password=password, wait=True)
    emu.clear_log()
    return body["id"]


def assert_converged_once(result, emu, method):
    """The task succeeded, reported a change, and the write was sent exactly once (its answer dropped)."""
    assert result.returncode == 0, result.output
    assert result.recap["localhost"]["failed"] == 0, result.output
    assert result.recap["localhost"]["changed"] == 1, result.output
    sent = [entry for entry in writes(emu.log()) if entry["method"] == method]
    assert [entry["status"] for entry in sent] in ([None], [None, 404]), \
        "the applied %s was sent again: %s" % (method, emu.log())
    return sent


@pytest.mark.parametrize("provisioning_delay", PROVISIONING_DELAYS)
def test_lost_answer_to_a_create_finds_the_unit_instead_of_creating_a_second(
        provisioning_delay, run_playbook):
    password = new_password()
    with Emulator(provisioning_delay=provisioning_delay) as emu:
        emu.add_fault(method="POST", path=r"^/cloudapi/v6/backupunits$", action="apply_then_drop", count=1)

        result = run_playbook(unit_play(emu, email="ops@example.com", backupunit_password=password))

        assert_converged_once(result, emu, "POST")
        units = emu.units()
        assert [(u["name"], u["email"], u["password_sha256"], u["state"]) for u in units] == \
            [(UNIT_NAME, "ops@example.com", sha256(password), "AVAILABLE")]

        again = run_playbook(unit_play(emu, email="ops@example.com", backupunit_password=password))
        assert again.returncode == 0 and again.recap["localhost"]["changed"] == 0, again.output
        assert len(emu.units()) == 1


@pytest.mark.parametrize("provisioning_delay", PROVISIONING_DELAYS)
def test_lost_answer_to_an_update_is_not_sent_again(provisioning_delay, run_playbook):
    password = new_password()
    with Emulator(provisioning_delay=provisioning_delay) as emu:
        unit_id = create_unit(emu, password)
        emu.add_fault(method="PATCH", path=UNIT_PATH, action="apply_then_drop", count=1)

        result = run_playbook(unit_play(emu, email="second@example.com"))

        assert_converged_once(result, emu, "PATCH")
        emu.wait_until(lambda: all(u["state"] == "AVAILABLE" for u in emu.units()), timeout=15)
        units = emu.units()
        assert [(u["id"], u["email"], u["password_sha256"]) for u in units] == \
            [(unit_id, "second@example.com", sha256(password))]
        again = run_playbook(unit_play(emu, email="second@example.com"))
        assert again.returncode == 0 and again.recap["localhost"]["changed"] == 0, again.output


@pytest.mark.parametrize("provisioning_delay", PROVISIONING_DELAYS)
def test_lost_answer_to_a_delete_converges_to_no_unit(provisioning_delay, run_playbook):
    with Emulator(provisioning_delay=provisioning_delay) as emu:
        create_unit(emu, new_password())
        emu.add_fault(method="DELETE", path=UNIT_PATH, action="apply_then_drop", count=1)

        result = run_playbook(unit_play(emu, state="absent"))

        # A DELETE is idempotent, so the client may send it again; the second one finds the unit
        # gone (404) or still being deleted, and either way the task must succeed.
        assert result.returncode == 0, result.output
        assert result.recap["localhost"]["changed"] == 1, result.output
        emu.wait_until(lambda: emu.units() == [], timeout=15)
        deletes = [entry["status"] for entry in writes(emu.log())]
        assert deletes[0] is None and len(deletes) <= 2, deletes
        again = run_playbook(unit_play(emu, state="absent"))
        assert again.returncode == 0 and again.recap["localhost"]["changed"] == 0, again.output
