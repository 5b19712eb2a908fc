# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control API under /_emulator: reset, log, config, faults, units."""

import hashlib
import json

import pytest

from harness import EmulatorError


def test_log_records_every_api_request_in_order_until_cleared(emu):
    emu.configure(contracts=[31415926, 42])
    emu.create_unit("logged", headers={"X-Contract-Number": "42"})
    emu.api("GET", "/backupunits?depth=1&pretty=false", headers={"X-Contract-Number": "42"})
    emu.api("GET", "/backupunits", auth=None)
    emu.api("GET", "/nowhere")
    emu.config()  # control calls are not logged
    assert emu.log() == [
        {"method": "POST", "path": "/cloudapi/v6/backupunits", "query": {}, "status": 202, "contract": 42},
        {"method": "GET", "path": "/cloudapi/v6/backupunits", "query": {"depth": "1", "pretty": "false"},
         "status": 200, "contract": 42},
        {"method": "GET", "path": "/cloudapi/v6/backupunits", "query": {}, "status": 401, "contract": 31415926},
        {"method": "GET", "path": "/cloudapi/v6/nowhere", "query": {}, "status": 404, "contract": 31415926},
    ]
    emu.clear_log()
    assert emu.log() == []
    emu.api("GET", "/backupunits")
    assert len(emu.log()) == 1


def test_reset_forgets_everything_and_restores_startup_config(emu):
    unit, headers = emu.create_unit("to-forget")
    emu.add_fault(path="nothing-matches-this", action="drop", count=5)
    emu.configure(provisioning_delay=9, request_tracking=True, rate_limit={"per_minute": 1000, "burst": 10},
                  fail_next_write="x", chaos={"rate": 0.0, "actions": [{"action": "drop"}]},
                  stale_single_get=True, contracts=[1, 2])
    emu.reset()
    assert (emu.units(), emu.log(), emu.faults()) == ([], [], [])
    assert emu.config() == {"provisioning_delay": 0, "request_tracking": False, "rate_limit": None,
                            "fail_next_write": None, "chaos": None, "stale_single_get": False,
                            "contracts": [31415926]}
    assert emu.api("GET", "/backupunits/" + unit["id"])[0] == 404
    assert emu.api("GET", headers["location"][len(emu.url):])[0] == 404
    emu.create_unit("to-forget")  # the name is free again


def test_units_lists_all_contracts_with_password_hash(emu):
    emu.configure(contracts=[31415926, 7])
    emu.create_unit("a", password="pw-a")
    emu.create_unit("b", password=None, headers={"X-Contract-Number": "7"})
    units = {u["name"]: u for u in emu.units()}
    assert (units["a"]["password_sha256"], units["a"]["contract"]) == (hashlib.sha256(b"pw-a").hexdigest(), 31415926)
    assert (units["b"]["password_sha256"], units["b"]["contract"]) == (None, 7)
    assert "password" not in units["a"]


def test_config_patch_changes_and_reads_back(emu):
    config = emu.configure(provisioning_delay=0.5, rate_limit={"per_minute": 120})
    assert (config["provisioning_delay"], config["rate_limit"]) == (0.5, {"per_minute": 120, "burst": 120})
    assert emu.config() == config


@pytest.mark.parametrize("changes", [
    {"provisioning_delay": -1}, {"provisioning_delay": "fast"}, {"request_tracking": "yes"},
    {"rate_limit": {"per_minute": 0}}, {"rate_limit": {"per_minute": 10, "burst": -1}}, {"rate_limit": 5},
    {"fail_next_write": 3},
    {"chaos": {"rate": 2, "actions": [{"action": "drop"}]}}, {"chaos": {"rate": 0.5, "actions": []}},
    {"chaos": {"rate": 0.5, "actions": [{"action": "explode"}]}},
    {"stale_single_get": 1},
    {"contracts": []}, {"contracts": 31415926}, {"contracts": ["31415926"]}, {"contracts": [0]},
    {"unknown_key": 1},
])
def test_config_rejects_bad_values(emu, changes):
    before = emu.config()
    with pytest.raises(EmulatorError, match="400"):
        emu.configure(**changes)
    assert emu.config() == before


@pytest.mark.parametrize("rule", [
    {"action": "status"}, {"action": "status", "status": 200}, {"action": "delay"}, {"action": "teleport"},
    {"action": "drop", "count": 0}, {"action": "drop", "path": "("},
])
def test_fault_rules_are_validated(emu, rule):
    with pytest.raises(EmulatorError, match="400"):
        emu.add_fault(**rule)
    assert emu.faults() == []


def test_fault_rules_list_and_clear(emu):
    emu.add_fault(method="post", path="/backupunits$", action="status", status=503, count=2)
    assert emu.faults() == [{"action": "status", "status": 503, "method": "POST", "path": "/backupunits$", "count": 2}]
    emu.clear_faults()
    assert emu.faults() == []


def test_control_api_errors(emu):
    assert emu.raw("GET", emu.control_url + "/nope")[0] == 404
    assert emu.raw("DELETE", emu.control_url + "/units")[0] == 405
    status, _headers, data = emu.raw("PATCH", emu.control_url + "/config", b"{not json",
                                     {"Content-Type": "application/json"})
    assert status == 400 and "JSON" in json.loads(data)["error"]


def test_control_api_needs_no_auth_and_is_not_rate_limited(emu):
    emu.configure(rate_limit={"per_minute": 1, "burst": 1})
    for attempt in range(5):
        status, headers, _data = emu.raw("GET", emu.control_url + "/config")
        assert status == 200 and "x-ratelimit-remaining" not in headers
    assert [emu.api("GET", "/backupunits")[0] for attempt in range(2)] == [200, 429]


def test_sso_tokens_lists_every_issued_token_until_reset(emu):
    unit = emu.create_unit("sso-scan")[0]
    urls = [emu.api("GET", "/backupunits/%s/ssourl" % unit["id"])[2]["ssoUrl"] for call_number in range(2)]
    tokens = emu.sso_tokens()
    assert len(tokens) == 2
    for url, token in zip(urls, tokens):
        assert "#ott=%s&" % token in url
    emu.reset()
    assert emu.sso_tokens() == []
