# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting failures: a write whose asynchronous request ends FAILED, and one that never finishes.

- FAILED: the task fails naming the request id and the API's message (create, update, delete).
- Never finishing (a provisioning time far beyond ``wait_timeout``): the task fails once
  ``wait_timeout`` has passed, not much later, naming the request id - with the API tracking
  requests, and without (the real API answers 404 on /requests for backup units today, so the
  module polls the unit instead).
"""

from __future__ import annotations

import json
import re

import pytest

from reliability.helpers import backupunit_play, module_defaults, new_password, playbook_yaml, record_case

UNIT_NAME = "waiting-unit"
FAILURE_MESSAGE = "[VDC-21-9] Provisioning the backup unit failed: storage quota exceeded"
WAIT_TIMEOUT = 4
# the module's own start, its last poll and Ansible's task overhead, on a busy 2-core machine
MARGIN = 8
_REQUEST_ID = re.compile(r"/requests/([-0-9a-f]{36})/status")


def play(emu, **options):
    return backupunit_play(emu, **dict({"name": UNIT_NAME}, **options))


def existing_unit(emu):
    status, _headers, body = emu.api("POST", "/backupunits", {"properties": {
        "name": UNIT_NAME, "email": "old@example.com", "password": new_password()}})
    assert status == 202, body
    emu.wait_until(lambda: all(u["state"] == "AVAILABLE" for u in emu.units()), timeout=15)
    emu.clear_log()


def write_request_ids(emu):
    """The ids of the asynchronous requests the module polled (from the emulator's log)."""
    ids = []
    for entry in emu.log():
        match = _REQUEST_ID.search(entry["path"])
        if match and match.group(1) not in ids:
            ids.append(match.group(1))
    return ids


def fatal_line(result):
    lines = [line for line in result.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(lines) == 1, result.output
    return lines[0]


def summarize(cases):
    failed = [c for c in cases.values() if c["kind"] == "failed"]
    endless = [c for c in cases.values() if c["kind"] == "endless"]
    return ("%d FAILED requests -> %d failed tasks naming request id and message; %d never-finishing requests -> "
            "%d failed tasks naming the request id, after %s s with wait_timeout %d s"
            % (len(failed), sum(c["ok"] for c in failed), len(endless), sum(c["ok"] for c in endless),
               "/".join("%.1f" % c["elapsed"] for c in sorted(endless, key=lambda c: c["elapsed"])), WAIT_TIMEOUT))


@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_failed_request_names_its_id_and_the_api_message(operation, emulator, run_playbook):
    # The request ids are read from the module's polls of /requests/.../status: tracked requests.
    emulator.configure(request_tracking=True)
    options = {"email": "ops@example.com", "backupunit_password": new_password()}
    if operation != "create":
        existing_unit(emulator)
        options = {"email": "new@example.com"} if operation == "update" else {"state": "absent"}
    emulator.configure(fail_next_write=FAILURE_MESSAGE)

    result = run_playbook(play(emulator, **options))

    assert result.returncode == 2, result.output
    line = fatal_line(result)
    request_ids = write_request_ids(emulator)
    assert len(request_ids) == 1, emulator.log()
    assert request_ids[0] in line and FAILURE_MESSAGE in line, line
    # The API accepted the write before it failed, so the result must not claim nothing happened.
    assert '"changed": true' in line, line
    assert "Traceback" not in result.output
    record_case("waiting failures", "failed-" + operation, {"kind": "failed", "ok": 1}, summarize)


@pytest.mark.parametrize("request_tracking", [True, False], ids=["requests-tracked", "requests-untracked"])
def test_never_finishing_request_fails_after_wait_timeout_naming_the_request(request_tracking, emulator,
                                                                             run_playbook, tmp_path):
    emulator.configure(provisioning_delay=3600, request_tracking=request_tracking)

    timing_path = tmp_path / "timing.json"
    # Timed inside the play, around the one task, so ansible-playbook's own start-up does not count.
    timed_play = playbook_yaml([{
        "name": "Wait for a create that never finishes",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": module_defaults(emulator),
        "tasks": [
            {"name": "Note the start", "ansible.builtin.set_fact": {"wait_started": "{{ now().timestamp() }}"}},
            {"name": "Create and wait", "ionoscloud.backup.backupunit": {
                "name": UNIT_NAME, "email": "ops@example.com", "backupunit_password": new_password(),
                "wait_timeout": WAIT_TIMEOUT}, "register": "waited", "ignore_errors": True},
            {"name": "Save how long it took and how it ended", "ansible.builtin.copy": {
                "dest": str(timing_path), "mode": "0600",
                "content": "{{ {'elapsed': now().timestamp() - (wait_started | float), 'failed': waited.failed,"
                           " 'msg': waited.msg | default('')} | ansible.builtin.to_json }}"}},
        ],
    }])
    result = run_playbook(timed_play)

    assert result.returncode == 0, result.output
    timing = json.loads(timing_path.read_text())
    elapsed = timing["elapsed"]
    assert timing["failed"] is True, timing
    line = timing["msg"]
    assert "\n" not in line
    posts = [entry for entry in emulator.log() if entry["method"] == "POST"]
    assert len(posts) == 1, emulator.log()
    unit_id = emulator.units()[0]["id"]
    assert "timed out" in line, line
    named = re.findall(r"request ([-0-9a-f]{36})", line)
    assert named, "the message names no request id: " + line
    # The named id is the create's request: the API (with tracking on, to look) says it targets the new unit.
    emulator.configure(request_tracking=True)
    status, _headers, body = emulator.api("GET", "/requests/%s/status" % named[0])
    assert status == 200, body
    assert [target["target"]["id"] for target in body["metadata"]["targets"]] == [unit_id]
    assert body["metadata"]["status"] in ("QUEUED", "RUNNING")
    assert WAIT_TIMEOUT <= elapsed <= WAIT_TIMEOUT + MARGIN, elapsed
    record_case("waiting failures", "endless-%s" % request_tracking, {"kind": "endless", "ok": 1, "elapsed": elapsed},
                summarize)
