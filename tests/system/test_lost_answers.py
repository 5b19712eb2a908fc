# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lost answers over real HTTP: the API applies a write, then drops the connection before answering.

For a POST (create), a PATCH (email change) and a DELETE, the module must find out by reading back
and converge: no second unit, no second write of a change that was applied, no error; each task run
again changes nothing. With the API's usual short provisioning time, and with a slow one, where the
write is still running when the module reads back. The unit tests prove the same logic on a fake
transport (tests/unit/plugins/modules/test_backupunit.py, "lost answers").
"""

from __future__ import annotations

import pytest

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import new_password, sha256

UNIT_PATH = r"^/cloudapi/v6/backupunits/[^/]+$"


@pytest.mark.parametrize("provisioning_delay", [0.05, 1.5], ids=["fast-api", "slow-api"])
def test_a_write_whose_answer_is_lost_is_read_back_not_sent_again(provisioning_delay, run_tasks):
    password = new_password()
    steps = {"create": {"name": "lost-answer-unit", "email": "first@example.com", "backupunit_password": password},
             "update": {"name": "lost-answer-unit", "email": "second@example.com"},
             "delete": {"name": "unit-to-delete", "state": "absent"}}
    with Emulator(provisioning_delay=provisioning_delay) as emu:
        emu.create_unit("unit-to-delete", wait=True)
        for method, path in (("POST", r"^/cloudapi/v6/backupunits$"), ("PATCH", UNIT_PATH), ("DELETE", UNIT_PATH)):
            emu.add_fault(method=method, path=path, action="apply_then_drop", count=1)
        emu.clear_log()

        tasks = [{"name": name + again, "ionoscloud.backup.backupunit": options, "register": name + again}
                 for name, options in steps.items() for again in ("", "_again")]
        # Right after the create, the unit is ready: the module waited for it, though its answer was lost.
        tasks.insert(2, {"name": "Read the emulator's units", "ansible.builtin.uri": {"url": emu.control_url + "/units"},
                         "register": "after_create"})
        _result, registered = run_tasks(tasks, emu)

        emu.wait_all_available(timeout=15)
        sent = {method: [entry["status"] for entry in emu.log() if entry["method"] == method]
                for method in ("POST", "PATCH", "DELETE")}
        units = [(unit["name"], unit["email"], unit["password_sha256"]) for unit in emu.units()]

    assert {name: registered[name]["changed"] for name in registered if name != "after_create"} == dict(
        {name: True for name in steps}, **{name + "_again": False for name in steps}), registered
    assert [(unit["name"], unit["email"], unit["state"]) for unit in registered["after_create"]["json"]["units"]] == [
        ("unit-to-delete", "ops@example.com", "AVAILABLE"), ("lost-answer-unit", "first@example.com", "AVAILABLE")]
    # Each applied write was sent once, its answer dropped (status None). A DELETE is idempotent, so the
    # client may send it again: the second finds the unit gone or still being deleted.
    assert sent["POST"] in ([None], [None, 404]) and sent["PATCH"] in ([None], [None, 404]), sent
    assert sent["DELETE"][0] is None and len(sent["DELETE"]) <= 2, sent
    assert units == [("lost-answer-unit", "second@example.com", sha256(password))]
