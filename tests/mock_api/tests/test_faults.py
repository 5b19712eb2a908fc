# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection, chaos and rate limiting.

That a status fault or a rate-limited call applies nothing, on every operation, is in test_conformance.py.
"""

import http.client
import time

import pytest

from harness import Emulator

DROPPED = (http.client.RemoteDisconnected, ConnectionError)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_status_fault_answers_in_the_envelope_once(emu, status):
    emu.add_fault(method="POST", path=r"/backupunits$", action="status", status=status, count=1,
                  **({"retry_after": 7} if status == 429 else {}))
    code, headers, body = emu.api("POST", "/backupunits", {"properties": {"name": "faulty"}})
    assert (code, body["httpStatus"]) == (status, status)
    assert headers.get("retry-after") == ("7" if status == 429 else None)
    assert "x-ratelimit-remaining" in headers
    assert emu.faults() == []
    emu.create_unit("faulty")  # count exhausted: the retry goes through


def test_fault_matches_method_and_path_and_counts_down(emu):
    emu.add_fault(method="GET", path=r"/backupunits/[^/]+$", action="status", status=503, count=2)
    unit = emu.create_unit("counted")[0]                                      # POST: not matched
    assert emu.api("GET", "/backupunits")[0] == 200                           # path not matched
    assert [emu.api("GET", "/backupunits/" + unit["id"])[0] for attempt in range(3)] == [503, 503, 200]
    assert [entry["status"] for entry in emu.log()] == [202, 200, 503, 503, 200]


def test_faults_apply_in_order_and_before_authentication(emu):
    emu.add_fault(method="*", path=".", action="status", status=500)
    emu.add_fault(method="*", path=".", action="status", status=502)
    assert [emu.api("GET", "/backupunits", auth=None)[0] for attempt in range(3)] == [500, 502, 401]


def test_delay_fault_lets_a_client_time_out_then_answers_normally(emu):
    emu.add_fault(method="GET", path=r"/backupunits$", action="delay", seconds=1, count=2)
    with pytest.raises(OSError):  # socket.timeout is an OSError
        emu.api("GET", "/backupunits", timeout=0.3)
    started = time.monotonic()
    status, _headers, body = emu.api("GET", "/backupunits")
    assert status == 200 and body["items"] == []
    assert time.monotonic() - started >= 1  # a lower bound only: never flaky on a slow machine


def test_drop_closes_without_answer_applies_nothing_and_the_server_keeps_serving(emu):
    emu.add_fault(method="*", path=".", action="drop", count=10)
    with pytest.raises(DROPPED):
        emu.api("POST", "/backupunits", {"properties": {"name": "dropped"}})
    assert emu.units() == []
    assert emu.log()[-1] == {"method": "POST", "path": "/cloudapi/v6/backupunits", "query": {},
                             "status": None, "contract": 31415926}
    for attempt in range(9):
        with pytest.raises(DROPPED):
            emu.api("GET", "/backupunits")
    assert emu.api("GET", "/backupunits")[0] == 200
    emu.create_unit("dropped")


def test_apply_then_drop_applies_the_write(emu):
    emu.add_fault(method="POST", path=r"/backupunits$", action="apply_then_drop")
    with pytest.raises(DROPPED):
        emu.api("POST", "/backupunits", {"properties": {"name": "ghost", "email": "g@example.com"}})
    assert [u["name"] for u in emu.units()] == ["ghost"]
    assert emu.log()[-1]["status"] is None
    # a client retrying blindly now hits the duplicate-name rule
    assert emu.api("POST", "/backupunits", {"properties": {"name": "ghost"}})[0] == 422
    unit_path = "/backupunits/" + emu.units()[0]["id"]
    emu.add_fault(method="PATCH", path=".", action="apply_then_drop")
    with pytest.raises(DROPPED):
        emu.api("PATCH", unit_path, {"name": "ghost", "email": "new@example.com"})
    assert emu.units()[0]["email"] == "new@example.com"
    emu.add_fault(method="DELETE", path=".", action="apply_then_drop")
    with pytest.raises(DROPPED):
        emu.api("DELETE", unit_path)
    emu.wait_until(lambda: emu.units() == [], timeout=30)


def _chaos_statuses(emu, seed, calls=60):
    emu.reset()
    emu.configure(chaos={"rate": 0.3, "seed": seed, "actions": [{"action": "status", "status": 503}, {"action": "drop"}]})
    outcomes = []
    for call_number in range(calls):
        try:
            outcomes.append(emu.api("GET", "/backupunits")[0])
        except DROPPED:
            outcomes.append("drop")
    return outcomes


def test_chaos_injects_faults_at_about_the_rate_and_is_repeatable(emu):
    first = _chaos_statuses(emu, seed=1)
    assert _chaos_statuses(emu, seed=1) == first
    faulted = sum(1 for outcome in first if outcome != 200)
    assert 5 <= faulted <= 35       # 30 % of 60 = 18; very loose bounds, the seed fixes the outcome anyway
    assert {503, "drop"} <= set(first)
    assert _chaos_statuses(emu, seed=2) != first
    emu.configure(chaos=None)
    assert all(emu.api("GET", "/backupunits")[0] == 200 for call_number in range(20))


def test_rate_limit_returns_429_with_integer_retry_after(emu):
    # 12 per minute: a token every 5 s, so a slow machine cannot refill the bucket mid-test
    emu.configure(rate_limit={"per_minute": 12, "burst": 3})
    answers = [emu.api("GET", "/backupunits") for call_number in range(5)]
    assert [status for status, _h, _b in answers] == [200, 200, 200, 429, 429]
    assert [int(headers["x-ratelimit-remaining"]) for _s, headers, _b in answers[:3]] == [2, 1, 0]
    for _status, headers, body in answers:
        assert (headers["x-ratelimit-limit"], headers["x-ratelimit-burst"]) == ("12", "3")
    status, headers, body = answers[3]
    assert body["httpStatus"] == 429
    assert 1 <= int(headers["retry-after"]) <= 5
    # after Retry-After seconds a request is allowed again
    time.sleep(int(headers["retry-after"]) + 0.1)
    assert emu.api("GET", "/backupunits")[0] == 200


def test_rate_limit_from_the_command_line():
    with Emulator(rate_limit=6, rate_burst=2) as emu:
        assert emu.config()["rate_limit"] == {"per_minute": 6, "burst": 2}
        assert [emu.api("GET", "/backupunits")[0] for call_number in range(3)] == [200, 200, 429]
        emu.configure(rate_limit=None)
        status, headers, _body = emu.api("GET", "/backupunits")
        assert status == 200
        assert int(headers["x-ratelimit-remaining"]) > 1000
