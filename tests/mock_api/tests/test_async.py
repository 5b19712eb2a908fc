# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Completion and tracking: immediate by default, QUEUED -> RUNNING -> DONE/FAILED when tracked with a delay."""

from harness import Emulator, request_id_of


def request_status(emu, location):
    status, _headers, body = emu.api("GET", "/requests/%s/status" % request_id_of(location))
    assert status == 200, body
    return body["metadata"]["status"]


def wait_for_request(emu, location, wanted):
    emu.wait_until(lambda: request_status(emu, location) == wanted, timeout=30)


def test_request_runs_then_done_and_unit_goes_busy_then_available(tracked):
    emu = tracked
    emu.configure(provisioning_delay=3.0)  # long enough for a stalled test machine to still look inside
    unit, headers = emu.create_unit("slow")
    # well inside the delay (generous: the first call happens right after the 202)
    assert request_status(emu, headers["location"]) in ("QUEUED", "RUNNING")
    assert emu.unit_state(unit["id"]) == "BUSY"
    wait_for_request(emu, headers["location"], "DONE")
    assert emu.unit_state(unit["id"]) == "AVAILABLE"


def test_later_requests_on_a_unit_queue_behind_earlier_ones(tracked):
    emu = tracked
    emu.configure(provisioning_delay=4.0)
    unit, first = emu.create_unit("queued")
    second = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "queued", "email": "q@example.com"})[1]
    first, second = first["location"], second["location"]
    assert (request_status(emu, first), request_status(emu, second)) == ("RUNNING", "QUEUED")
    emu.configure(provisioning_delay=0)  # only affects new requests
    wait_for_request(emu, first, "DONE")
    # the unit stays BUSY until its last request finished
    if request_status(emu, second) != "DONE":
        assert emu.unit_state(unit["id"]) == "BUSY"
    wait_for_request(emu, second, "DONE")
    assert emu.unit_state(unit["id"]) == "AVAILABLE"


def test_deleted_unit_stays_until_its_request_is_done(tracked):
    emu = tracked
    unit = emu.create_unit("deleting")[0]
    emu.wait_for_state(unit["id"], "AVAILABLE")
    emu.configure(provisioning_delay=3.0)
    status, headers, body = emu.api("DELETE", "/backupunits/" + unit["id"])
    assert status == 202
    assert emu.unit_state(unit["id"]) == "BUSY"
    wait_for_request(emu, headers["location"], "DONE")
    assert emu.unit_state(unit["id"]) == 404
    # the request outlives the unit
    status, _headers, body = emu.api("GET", "/requests/" + request_id_of(headers["location"]))
    assert (status, body["properties"]["method"]) == (200, "DELETE")


def test_default_is_immediate_and_untracked(emu):
    assert emu.config()["provisioning_delay"] == 0 and emu.config()["request_tracking"] is False
    unit, headers = emu.create_unit("now")
    assert unit["metadata"]["state"] == "AVAILABLE"
    locations = [headers["location"]]
    for method, body in (("PATCH", {"email": "p@example.com"}), ("PUT", {"properties": {"email": "q@example.com"}})):
        status, headers, updated = emu.api(method, "/backupunits/" + unit["id"], body)
        assert (status, updated["metadata"]["state"]) == (202, "AVAILABLE")
        locations.append(headers["location"])
    status, headers, _body = emu.api("DELETE", "/backupunits/" + unit["id"])
    assert status == 202
    locations.append(headers["location"])
    assert emu.unit_state(unit["id"]) == 404  # gone at once
    # every write still sends Location, and every /requests/... answers 404 in the usual envelope
    for location in locations:
        request_id = request_id_of(location)
        assert location == "%s/requests/%s/status" % (emu.url, request_id)
        for path in ("/requests/%s/status" % request_id, "/requests/" + request_id):
            status, _headers, body = emu.api("GET", path)
            assert (status, body["httpStatus"]) == (404, 404)
    # a delay without tracking: the unit is BUSY, its request still unknown
    emu.configure(provisioning_delay=3.0)
    unit, headers = emu.create_unit("busy")
    assert unit["metadata"]["state"] == "BUSY"
    assert emu.api("GET", "/requests/%s/status" % request_id_of(headers["location"]))[0] == 404
    emu.configure(provisioning_delay=0)  # only affects new requests
    emu.wait_for_state(unit["id"], "AVAILABLE")


def test_request_tracking_off_answers_404_but_units_still_progress(tracked):
    emu = tracked
    request_id = request_id_of(emu.create_unit("untracked-before")[1]["location"])
    emu.configure(request_tracking=False)
    for path in ("/requests/%s/status" % request_id, "/requests/" + request_id):
        status, _headers, body = emu.api("GET", path)
        assert (status, body["httpStatus"]) == (404, 404)
    unit, headers = emu.create_unit("untracked")
    assert "/requests/" in headers["location"]  # the real API still sends Location
    emu.wait_for_state(unit["id"], "AVAILABLE")
    emu.configure(request_tracking=True)
    assert request_status(emu, headers["location"]) == "DONE"
    # tracked without a delay: done before the answer
    emu.configure(provisioning_delay=0)
    unit, headers = emu.create_unit("instant")
    assert unit["metadata"]["state"] == "AVAILABLE"
    assert request_status(emu, headers["location"]) == "DONE"


def test_no_request_tracking_flag_stays_accepted():
    # --request-tracking: the emulator of test_conformance.py, whose requests are tracked after every reset
    with Emulator(request_tracking=False, provisioning_delay=0) as emu:
        assert emu.config()["request_tracking"] is False
        headers = emu.create_unit("cli")[1]
        assert emu.api("GET", "/requests/%s/status" % request_id_of(headers["location"]))[0] == 404
        emu.reset()
        assert emu.config()["request_tracking"] is False


def test_fail_next_write_fails_only_the_next_accepted_write_and_undoes_it(tracked):
    emu = tracked
    emu.configure(fail_next_write="Provisioning failed: quota exceeded")
    assert emu.api("POST", "/backupunits", {"properties": {}})[0] == 422  # a rejected write does not use it up
    assert emu.config()["fail_next_write"] == "Provisioning failed: quota exceeded"
    unit, headers = emu.create_unit("failing", email="before@example.com", password="pass-one")
    assert emu.config()["fail_next_write"] is None
    wait_for_request(emu, headers["location"], "FAILED")
    body = emu.api("GET", "/requests/%s/status" % request_id_of(headers["location"]))[2]
    assert body["metadata"]["message"] == "Provisioning failed: quota exceeded"
    assert body["metadata"]["targets"][0]["status"] == "FAILED"
    assert emu.unit_state(unit["id"]) == "FAILED"
    # the next write succeeds and heals the unit
    headers = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "failing", "email": "ok@example.com"})[1]
    wait_for_request(emu, headers["location"], "DONE")
    assert emu.unit_state(unit["id"]) == "AVAILABLE"
    # a failed update restores the previous properties
    before = emu.units()[0]
    emu.configure(fail_next_write="update failed")
    status, _headers, body = emu.api("PATCH", "/backupunits/" + unit["id"],
                                     {"name": "failing", "email": "after@example.com", "password": "pass-two"})
    assert (status, body["properties"]["email"]) == (202, "after@example.com")
    emu.wait_for_state(unit["id"], "FAILED")
    after = emu.units()[0]
    assert (after["email"], after["password_sha256"]) == (before["email"], before["password_sha256"])
    # a failed delete keeps the unit (healed first, so that FAILED is the delete's doing), which can be deleted again
    headers = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "failing", "email": "ok@example.com"})[1]
    wait_for_request(emu, headers["location"], "DONE")
    assert emu.unit_state(unit["id"]) == "AVAILABLE"
    emu.configure(fail_next_write="delete failed")
    status, headers, _body = emu.api("DELETE", "/backupunits/" + unit["id"])
    assert status == 202
    wait_for_request(emu, headers["location"], "FAILED")
    assert emu.unit_state(unit["id"]) == "FAILED"
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 202
    emu.wait_for_state(unit["id"], 404)
