# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Permanent errors (401, 403, 404 on a write, 422): a failed task with the API's message, no retries.

The client documents (doc fragment ``auth``, guide "waiting and rate limits") that it retries
429 for every request and 500/502/503/504 and network errors for idempotent ones, and nothing
else. So each of these errors must be sent exactly once: the test compares the whole request
sequence in the emulator's log with the one the operation needs.
"""

from __future__ import annotations

import pytest

from reliability.helpers import module_defaults, new_password, playbook_yaml, record_case

LIST = ("GET", "/cloudapi/v6/backupunits")
POST = ("POST", "/cloudapi/v6/backupunits")
UNIT = "/cloudapi/v6/backupunits/{id}"


def play(emu, module, options, **connection):
    return playbook_yaml([{
        "name": "One task that must fail",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": module_defaults(emu, **connection),
        "tasks": [{"name": "Run the module", "ionoscloud.backup." + module: options}],
    }])


def existing_unit(emu, name="perm-unit"):
    status, _headers, body = emu.api("POST", "/backupunits", {"properties": {
        "name": name, "email": "old@example.com", "password": new_password()}})
    assert status == 202, body
    emu.wait_until(lambda: all(u["state"] == "AVAILABLE" for u in emu.units()), timeout=15)
    return body["id"]


def fault(status, message, method, path):
    return {"action": "status", "status": status, "message": message, "method": method, "path": path, "count": 1}


CREATE = ("backupunit", {"name": "perm-unit", "email": "ops@example.com", "backupunit_password": "Perm-pass-12345"})
UPDATE = ("backupunit", {"name": "perm-unit", "email": "new@example.com"})

# id, module + options, setup ("unit" = a unit exists first), fault rule or None, connection overrides,
# expected API status, text of the API's message, expected request sequence ({id} = the unit's id).
CASES = [
    pytest.param(CREATE, None, None, {"password": "not-the-password"}, 401, "Unauthorized",
                 [LIST], id="401-wrong-password"),
    pytest.param(("backupunit_info", {}), None, None, {"token": "not-the-token-0123"}, 401, "Unauthorized",
                 [LIST], id="401-wrong-token"),
    pytest.param(CREATE, None,
                 fault(403, "[VDC-14-6] The user lacks the privilege 'Manage backup units'", "POST",
                       r"/backupunits$"),
                 {}, 403, "[VDC-14-6] The user lacks the privilege 'Manage backup units'",
                 [LIST, POST], id="403-on-create"),
    pytest.param(("backupunit_info", {}), None,
                 fault(403, "[VDC-14-1] Access denied to contract 31721234", "GET", r"/backupunits$"),
                 {}, 403, "[VDC-14-1] Access denied to contract 31721234", [LIST], id="403-on-read"),
    pytest.param(UPDATE, "unit",
                 fault(404, "[VDC-5-1509] Resource does not exist anymore", "PATCH", r"/backupunits/[^/]+$"),
                 {}, 404, "[VDC-5-1509] Resource does not exist anymore",
                 [LIST, ("PATCH", UNIT)], id="404-on-update"),
    pytest.param(CREATE, None,
                 fault(404, "[VDC-5-1508] Contract 31721234 does not exist", "POST", r"/backupunits$"),
                 {}, 404, "[VDC-5-1508] Contract 31721234 does not exist", [LIST, POST], id="404-on-create"),
    pytest.param(UPDATE, "unit-being-deleted", None, {}, 422, "[VDC-21-2] The backup unit is being deleted",
                 [LIST, ("PATCH", UNIT)], id="422-update-of-a-unit-being-deleted"),
    pytest.param(CREATE, None,
                 fault(422, "[VDC-5-1921] The attribute 'email' has an invalid format", "POST", r"/backupunits$"),
                 {}, 422, "[VDC-5-1921] The attribute 'email' has an invalid format", [LIST, POST],
                 id="422-on-create"),
]


def summarize(cases):
    statuses = sorted({case["status"] for case in cases.values()})
    return ("%d cases (HTTP %s), %d failed tasks with the API's message, %d requests sent where %d were needed "
            "(%d retries)" % (
                len(cases), ", ".join(map(str, statuses)), sum(case["failed_with_message"] for case in cases.values()),
                sum(case["sent"] for case in cases.values()), sum(case["needed"] for case in cases.values()),
                sum(case["sent"] - case["needed"] for case in cases.values())))


@pytest.mark.parametrize("task, setup, fault_rule, connection, status, api_message, expected_requests", CASES)
def test_permanent_error_fails_once_with_the_api_message(task, setup, fault_rule, connection, status, api_message,
                                                         expected_requests, emulator, run_playbook, request):
    unit_id = None
    if setup:
        unit_id = existing_unit(emulator)
    if setup == "unit-being-deleted":
        emulator.configure(provisioning_delay=60)   # the delete stays in progress during the test
        assert emulator.api("DELETE", "/backupunits/" + unit_id)[0] == 202
    emulator.clear_log()
    if fault_rule:
        emulator.add_fault(**fault_rule)
    module, options = task

    result = run_playbook(play(emulator, module, options, **connection))

    assert result.returncode == 2, result.output
    assert result.recap["localhost"]["failed"] == 1, result.output
    fatal = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(fatal) == 1, result.output
    assert "API error %d" % status in fatal[0] and api_message in fatal[0], fatal[0]
    assert "Traceback" not in result.output
    sent = [(entry["method"], entry["path"]) for entry in emulator.log()]
    needed = [(method, path.format(id=unit_id)) for method, path in expected_requests]
    assert sent == needed, "expected exactly %s, the API saw %s" % (needed, sent)
    record_case("permanent errors", request.node.callspec.id,
                {"status": status, "failed_with_message": 1, "sent": len(sent), "needed": len(needed)}, summarize)
