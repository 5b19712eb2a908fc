# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control API under /_emulator (reset, log, config, faults, units) and what it injects: faults, chaos, rate limits.

That a status fault or a rate-limited call applies nothing, on every operation, is in test_conformance.py.
"""

import hashlib
import http.client
import json
import time

import pytest

from harness import EmulatorError

DROPPED = (http.client.RemoteDisconnected, ConnectionError)


def test_log_records_every_api_request_in_order_until_cleared(emu):
    emu.configure(contracts=[31415926, 42])
    emu.create_unit("logged", headers={"X-Contract-Number": "42"})
    emu.api("GET", "/backupunits?depth=1&pretty=false", headers={"X-Contract-Number": "42"})
    emu.api("GET", "/backupunits", auth=None)
    emu.config()  # control calls are not logged
    assert emu.log() == [
        {"method": "POST", "path": "/cloudapi/v6/backupunits", "query": {}, "status": 202, "contract": 42},
        {"method": "GET", "path": "/cloudapi/v6/backupunits", "query": {"depth": "1", "pretty": "false"},
         "status": 200, "contract": 42},
        {"method": "GET", "path": "/cloudapi/v6/backupunits", "query": {}, "status": 401, "contract": 31415926}]
    emu.clear_log()
    assert emu.log() == []


def test_reset_forgets_everything_and_restores_the_startup_config(emu):
    unit = emu.create_unit("to-forget", password="pw-a")[0]
    assert [(u["name"], u["password_sha256"], u["contract"]) for u in emu.units()] == [
        ("to-forget", hashlib.sha256(b"pw-a").hexdigest(), 31415926)]
    emu.api("GET", "/backupunits/%s/ssourl" % unit["id"])
    emu.add_fault(path="nothing-matches-this", action="drop", count=5)
    emu.configure(provisioning_delay=9, request_tracking=True, rate_limit={"per_minute": 1000, "burst": 10},
                  fail_next_write="x", chaos={"rate": 0.0, "actions": [{"action": "drop"}]},
                  stale_single_get=True, contracts=[1, 2])
    emu.reset()
    assert (emu.units(), emu.log(), emu.faults(), emu.sso_tokens()) == ([], [], [], [])
    assert emu.config() == {"provisioning_delay": 0, "request_tracking": False, "rate_limit": None,
                            "fail_next_write": None, "chaos": None, "stale_single_get": False, "contracts": [31415926]}
    emu.create_unit("to-forget")  # the name is free again


@pytest.mark.parametrize("changes", [
    {"provisioning_delay": -1}, {"provisioning_delay": "fast"}, {"request_tracking": "yes"},
    {"rate_limit": {"per_minute": 0}}, {"rate_limit": {"per_minute": 10, "burst": -1}}, {"rate_limit": 5},
    {"fail_next_write": 3}, {"chaos": {"rate": 2, "actions": [{"action": "drop"}]}},
    {"chaos": {"rate": 0.5, "actions": []}}, {"chaos": {"rate": 0.5, "actions": [{"action": "explode"}]}},
    {"stale_single_get": 1}, {"contracts": []}, {"contracts": ["31415926"]}, {"contracts": [0]}, {"unknown_key": 1},
    # fault rules
    {"action": "status"}, {"action": "status", "status": 200}, {"action": "delay"}, {"action": "teleport"},
    {"action": "drop", "count": 0}, {"action": "drop", "path": "("},
])
def test_bad_config_values_and_fault_rules_are_refused_with_400_and_change_nothing(emu, changes):
    before = emu.config(), emu.faults()
    with pytest.raises(EmulatorError, match="400"):
        emu.add_fault(**changes) if "action" in changes else emu.configure(**changes)
    assert (emu.config(), emu.faults()) == before


def test_control_api_errors_need_no_auth_and_are_not_rate_limited(emu):
    emu.configure(rate_limit={"per_minute": 1})  # no burst: the per-minute rate
    assert [emu.raw(*call)[0] for call in (("GET", emu.control_url + "/nope"), ("DELETE", emu.control_url + "/units"),
                                           ("GET", emu.control_url + "/config"), ("GET", emu.control_url + "/config"))
            ] == [404, 405, 200, 200]
    status, _headers, data = emu.raw("PATCH", emu.control_url + "/config", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and "JSON" in json.loads(data)["error"]
    assert [emu.api("GET", "/backupunits")[0] for _call in range(2)] == [200, 429]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_status_fault_answers_in_the_envelope_for_its_count_then_the_rule_is_gone(emu, status):
    emu.add_fault(method="post", path=r"/backupunits$", action="status", status=status, count=2,
                  **({"retry_after": 7} if status == 429 else {}))
    assert emu.faults()[0]["method"] == "POST"
    assert emu.api("GET", "/backupunits")[0] == 200  # another method: not matched
    for _attempt in range(2):
        code, headers, body = emu.api("POST", "/backupunits", {"properties": {"name": "faulty"}})
        assert (code, body["httpStatus"], headers.get("retry-after")) == (status, status, "7" if status == 429 else None)
    assert emu.faults() == [] and emu.units() == []
    emu.create_unit("faulty")  # count exhausted: the retry goes through


def test_faults_apply_in_order_and_before_authentication_and_can_be_cleared(emu):
    for status in (500, 502, 503):
        emu.add_fault(method="*", path=".", action="status", status=status)
    assert [emu.api("GET", "/backupunits", auth=None)[0] for _call in range(2)] == [500, 502]
    emu.clear_faults()
    assert emu.api("GET", "/backupunits", auth=None)[0] == 401


def test_a_delay_fault_lets_a_client_time_out_then_answers_normally(emu):
    emu.add_fault(method="GET", path=r"/backupunits$", action="delay", seconds=1, count=2)
    with pytest.raises(OSError):  # socket.timeout is an OSError
        emu.api("GET", "/backupunits", timeout=0.3)
    started = time.monotonic()
    assert emu.api("GET", "/backupunits")[0] == 200 and time.monotonic() - started >= 1


def test_drop_applies_nothing_and_apply_then_drop_applies_the_write(emu):
    emu.add_fault(method="POST", path=".", action="drop")
    with pytest.raises(DROPPED):
        emu.api("POST", "/backupunits", {"properties": {"name": "dropped"}})
    assert emu.units() == [] and emu.log()[-1]["status"] is None
    emu.add_fault(method="POST", path=r"/backupunits$", action="apply_then_drop")
    with pytest.raises(DROPPED):
        emu.api("POST", "/backupunits", {"properties": {"name": "ghost", "email": "g@example.com"}})
    assert [u["name"] for u in emu.units()] == ["ghost"] and emu.log()[-1]["status"] is None
    assert emu.api("POST", "/backupunits", {"properties": {"name": "ghost"}})[0] == 422  # a blind retry: duplicate
    path = "/backupunits/" + emu.units()[0]["id"]
    for method, body, emails in (("PATCH", {"email": "new@example.com"}, ["new@example.com"]), ("DELETE", None, [])):
        emu.add_fault(method=method, path=".", action="apply_then_drop")
        with pytest.raises(DROPPED):
            emu.api(method, path, body)
        assert [u["email"] for u in emu.units()] == emails
    assert emu.api("GET", "/backupunits")[0] == 200  # and the server keeps serving


def test_chaos_injects_faults_at_about_the_rate_repeatably_for_a_seed(emu):
    def outcomes(seed):
        emu.reset()
        emu.configure(chaos={"rate": 0.3, "seed": seed, "actions": [{"action": "status", "status": 503}, {"action": "drop"}]})
        return [status_or_drop(emu) for _call in range(60)]
    first = outcomes(1)
    assert outcomes(1) == first != outcomes(2) and {503, "drop"} <= set(first)
    assert 5 <= sum(1 for outcome in first if outcome != 200) <= 35
    emu.configure(chaos=None)
    assert [status_or_drop(emu) for _call in range(20)] == [200] * 20


def status_or_drop(emu):
    try:
        return emu.api("GET", "/backupunits")[0]
    except DROPPED:
        return "drop"


def test_rate_limit_answers_429_with_an_integer_retry_after_and_refills(emu):
    emu.configure(rate_limit={"per_minute": 12, "burst": 3})  # a token every 5 s: a slow machine cannot refill it
    answers = [emu.api("GET", "/backupunits") for _call in range(5)]
    assert [(status, headers["x-ratelimit-remaining"], headers["x-ratelimit-limit"], headers["x-ratelimit-burst"])
            for status, headers, _body in answers] == [(200, "2", "12", "3"), (200, "1", "12", "3"),
                                                       (200, "0", "12", "3"), (429, "0", "12", "3"), (429, "0", "12", "3")]
    retry_after = int(answers[3][1]["retry-after"])
    assert 1 <= retry_after <= 5 and answers[3][2]["httpStatus"] == 429
    time.sleep(retry_after + 0.1)
    assert emu.api("GET", "/backupunits")[0] == 200
    emu.configure(rate_limit=None)
    assert int(emu.api("GET", "/backupunits")[1]["x-ratelimit-remaining"]) == 2147483647
