# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The behaviours the collection relies on, over real HTTP (the rules and their sources: docs/emulator.md).

Every operation's statuses, envelopes and schemas are in test_conformance.py; here are the semantics.
"""

import base64
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import request_id_of

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def request_status(emu, location):
    return emu.api("GET", "/requests/%s/status" % request_id_of(location))[2]["metadata"]["status"]


def test_todays_api_by_default_writes_are_done_when_answered_and_requests_are_untracked(emu):
    body, headers = emu.create_unit("unit-a", email="a@example.com", password="top-secret-1")
    assert re.match("^%s$" % UUID, body["id"]) and body["href"] == emu.url + "/backupunits/" + body["id"]
    assert (body["type"], body["properties"], body["metadata"]["state"]) == (
        "backupunit", {"name": "unit-a", "email": "a@example.com"}, "AVAILABLE")
    assert body["metadata"]["createdBy"] == emu.username and headers["etag"] == '"%s"' % body["metadata"]["etag"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["metadata"]["lastModifiedDate"])  # whole seconds
    locations = [headers["location"]]
    for method, change in (("PATCH", {"email": "p@example.com"}), ("PUT", {"properties": {"email": "q@example.com"}})):
        status, headers, updated = emu.api(method, "/backupunits/" + body["id"], change)
        assert (status, updated["metadata"]["state"]) == (202, "AVAILABLE")
        locations.append(headers["location"])
    status, headers, data = emu.raw("DELETE", emu.url + "/backupunits/" + body["id"], headers=emu.auth_header())
    assert (status, data, emu.unit_state(body["id"])) == (202, b"", 404)  # no body; gone at once
    for location in locations + [headers["location"]]:  # Location on every write; each status URL a 404
        assert re.match("^%s/requests/%s/status$" % (re.escape(emu.url), UUID), location)
        assert emu.api("GET", location[len(emu.url):])[2]["httpStatus"] == 404


def test_list_depth_zero_gives_references_and_depth_one_full_units_in_creation_order(emu):
    assert emu.api("GET", "/backupunits")[2] == {"id": "backupunits", "type": "collection",
                                                 "href": emu.url + "/backupunits", "items": []}
    units = [emu.create_unit(name)[0] for name in ("first", "second")]
    assert emu.api("GET", "/backupunits")[2]["items"] == [
        {"id": unit["id"], "type": "backupunit", "href": unit["href"]} for unit in units]
    for query, auth in (("1", "basic"), ("10", "token"), ("1&filter.name=nope&orderBy=name&maxResults=1", "basic")):
        status, headers, deep = emu.api("GET", "/backupunits?depth=" + query, auth=auth)  # other parameters: ignored
        assert (status, [item["properties"]["name"] for item in deep["items"]]) == (200, ["first", "second"])
        assert "etag" not in headers and all(item["metadata"]["state"] == "AVAILABLE" for item in deep["items"])


def test_pretty_output_is_laid_out_like_the_real_api_and_pretty_false_is_compact(emu):
    emu.create_unit("pretty-1")
    emu.create_unit("pretty-2")
    pretty, compact, error = (emu.raw("GET", emu.url + path, headers=emu.auth_header())[2] for path in (
        "/backupunits?depth=1", "/backupunits?depth=1&pretty=false", "/backupunits/missing"))
    assert re.search(rb'\n  "items" : \[ \{\n    "id" : .*\n  \}, \{\n    "id" : .*\n  \} \]\n\}$', pretty, re.S)
    assert b"\n" not in compact and json.loads(pretty) == json.loads(compact)
    assert error.startswith(b'{\n  "httpStatus" : 404,\n  "messages" : [ {\n    "errorCode" : "309",')


@pytest.mark.parametrize("method,body,email,new_password", [
    ("PUT", {"properties": {"name": "upd", "email": "put@example.com"}}, "put@example.com", False),
    ("PUT", {"properties": {"name": "upd", "password": "pass-1"}}, None, True),  # PUT: an omitted email is removed
    ("PUT", {"properties": {"email": "c@example.com", "password": "pass-2"}}, "c@example.com", True),  # no name
    ("PATCH", {"name": "upd", "email": "new@example.com"}, "new@example.com", False),
    ("PATCH", {"email": "b@example.com"}, "b@example.com", False),  # no name
    ("PATCH", {"password": "pass-3"}, "old@example.com", True),     # PATCH: only what it is given
])
def test_put_replaces_and_patch_merges_properties(tracked, method, body, email, new_password):
    unit = tracked.create_unit("upd", email="old@example.com", password="pass-0")[0]
    before = tracked.units()[0]
    status, headers, updated = tracked.api(method, "/backupunits/" + unit["id"], body)
    expected = dict({"name": "upd"}, **({"email": email} if email else {}))
    assert (status, updated["properties"], updated["metadata"]["state"]) == (202, expected, "BUSY")
    assert updated["metadata"]["etag"] != unit["metadata"]["etag"] and "pass-" not in json.dumps(updated)
    assert (tracked.units()[0]["password_sha256"] != before["password_sha256"]) == new_password
    tracked.wait_until(lambda: tracked.unit_state(unit["id"]) == "AVAILABLE")
    assert tracked.api("GET", "/backupunits/" + unit["id"])[2]["properties"] == expected


def test_the_2023_model_busy_then_available_requests_queued_running_done_and_deletes_that_take_time(tracked):
    tracked.configure(provisioning_delay=2.0)  # long enough for a stalled machine to still look inside
    unit, headers = tracked.create_unit("slow")  # (QUEUED, a request behind another: test_conformance.py)
    assert (unit["metadata"]["state"], tracked.unit_state(unit["id"])) == ("BUSY", "BUSY")
    assert request_status(tracked, headers["location"]) == "RUNNING"
    tracked.wait_until(lambda: request_status(tracked, headers["location"]) == "DONE", timeout=30)
    assert tracked.unit_state(unit["id"]) == "AVAILABLE"
    tracked.configure(provisioning_delay=1.0)
    status, headers, _body = tracked.api("DELETE", "/backupunits/" + unit["id"])
    assert (status, tracked.unit_state(unit["id"])) == (202, "BUSY")  # stays until its request is done
    tracked.wait_until(lambda: tracked.unit_state(unit["id"]) == 404)
    assert request_status(tracked, headers["location"]) == "DONE"  # the request outlives the unit
    tracked.configure(request_tracking=False)  # a delay without tracking: BUSY, the request unknown
    unit, headers = tracked.create_unit("untracked")
    assert unit["metadata"]["state"] == "BUSY" and tracked.api("GET", headers["location"][len(tracked.url):])[0] == 404


def test_fail_next_write_fails_the_next_accepted_write_and_undoes_it(tracked):
    tracked.configure(fail_next_write="Provisioning failed: quota exceeded")
    assert tracked.api("POST", "/backupunits", {"properties": {}})[0] == 422  # a refused write does not use it up
    unit, headers = tracked.create_unit("failing", email="before@example.com")
    assert tracked.config()["fail_next_write"] is None
    tracked.wait_until(lambda: request_status(tracked, headers["location"]) == "FAILED")
    body = tracked.api("GET", "/requests/%s/status" % request_id_of(headers["location"]))[2]["metadata"]
    assert (body["message"], body["targets"][0]["status"], tracked.unit_state(unit["id"])) == (
        "Provisioning failed: quota exceeded", "FAILED", "FAILED")
    path = "/backupunits/" + unit["id"]
    for fail, method, change, state, email in (
            (None, "PATCH", {"email": "ok@example.com"}, "AVAILABLE", "ok@example.com"),   # heals the unit
            ("update failed", "PATCH", {"email": "x@example.com"}, "FAILED", "ok@example.com"),  # restored
            (None, "PATCH", {"email": "ok@example.com"}, "AVAILABLE", "ok@example.com"),
            ("delete failed", "DELETE", None, "FAILED", "ok@example.com")):               # the unit is kept
        tracked.configure(fail_next_write=fail)
        assert tracked.api(method, path, change)[0] == 202
        tracked.wait_until(lambda: tracked.unit_state(unit["id"]) == state)
        assert tracked.units()[0]["email"] == email
    assert tracked.api("DELETE", path)[0] == 202
    tracked.wait_until(lambda: tracked.unit_state(unit["id"]) == 404)


def test_sso_url_has_the_real_shape_and_a_fresh_token_each_call(emu):
    unit = emu.create_unit("sso")[0]
    urls = [emu.api("GET", "/backupunits/%s/ssourl" % unit["id"])[2]["ssoUrl"] for _call in range(3)]
    for url in urls:
        match = re.match(r"^https://backup\.ionos\.com/api/2/idp/external-login#ott=([A-Za-z0-9_-]{42})%3D%3D"
                         r"&targetURI=https://backup\.ionos\.com/bc$", url)
        raw = base64.urlsafe_b64decode(match.group(1) + "==")
        assert len(raw) == 31 and raw.startswith(b"OTT\x01")
    assert len(set(urls)) == 3 and emu.sso_tokens() == [url.split("#ott=")[1].split("&")[0] for url in urls]


def test_hrefs_and_location_follow_the_host_header(emu):
    proxy = {"Host": "proxy.example.test:8443"}
    body, headers = emu.create_unit("proxied", headers=proxy)
    assert body["href"] == "http://proxy.example.test:8443/cloudapi/v6/backupunits/" + body["id"]
    assert headers["location"].startswith("http://proxy.example.test:8443/cloudapi/v6/requests/")
    assert emu.api("GET", "/backupunits", headers=proxy)[2]["items"][0]["href"] == body["href"]
    assert emu.api("GET", "/backupunits")[2]["items"][0]["href"] == emu.url + "/backupunits/" + body["id"]


def test_contract_number_partitions_units_and_no_header_is_the_first_contract(emu):
    emu.configure(contracts=[31000001, 31000002])
    a, b = ({"X-Contract-Number": str(n)} for n in (31000001, 31000002))
    unit_a, unit_b = emu.create_unit("same-name", headers=a)[0], emu.create_unit("same-name", headers=b)[0]
    assert emu.api("POST", "/backupunits", {"properties": {"name": "same-name"}})[0] == 422  # no header: the first
    assert [item["id"] for item in emu.api("GET", "/backupunits")[2]["items"]] == [unit_a["id"]]
    assert [emu.api("GET", "/backupunits/" + unit_b["id"], headers=h)[0] for h in (a, b)] == [404, 200]
    status, _headers, body = emu.api("DELETE", "/backupunits/" + unit_a["id"], headers={"X-Contract-Number": "12345"})
    assert (status, body["messages"][0]["message"]) == (403, "The user has no access to contract 12345")
    assert emu.api("GET", "/backupunits", headers={"X-Contract-Number": "abc"})[0] == 400
    assert sorted(u["contract"] for u in emu.units()) == [31000001, 31000002]
    assert [entry["contract"] for entry in emu.log()] == [31000001, 31000002, 31000001, 31000001, 31000001,
                                                          31000002, 12345, None]


@pytest.mark.parametrize("headers,auth,expected", [
    ({}, "basic", 31000001),                                      # no header: the default (first) contract
    ({"X-Contract-Number": "31000002"}, "token", 31000002), ({}, None, 401), ({"X-Contract-Number": "12345"}, "basic", 403),
])
def test_contracts_holds_the_contract_of_the_request(emu, headers, auth, expected):
    emu.configure(contracts=[31000001, 31000002])
    status, _headers, body = emu.api("GET", "/contracts?depth=0", headers=headers, auth=auth)
    if status != 200:
        assert (status, body["httpStatus"]) == (expected, expected)
        return
    limits = body["items"][0]["properties"].pop("resourceLimits")
    assert body == {"id": "contracts", "type": "collection", "href": emu.url + "/contracts", "items": [{"type": "contract", "properties": {
        "contractNumber": expected, "owner": emu.username, "status": "BILLABLE", "regDomain": "ionos.de"}}]}
    assert len(limits) == 25 and all(isinstance(v, int) and not isinstance(v, bool) for v in limits.values())


def test_stale_single_get_answers_busy_without_properties_after_writes_while_the_list_is_right(emu):
    unit = emu.create_unit("stale", email="s@example.com")[0]
    emu.configure(stale_single_get=True)
    assert "properties" in emu.api("GET", "/backupunits/" + unit["id"])[2]  # not written while on
    for method, body in (("PATCH", {"email": "p@example.com"}), ("PUT", {"properties": {"email": "s@example.com"}})):
        emu.configure(stale_single_get=False)  # off clears the marks: only this write makes it stale
        emu.configure(stale_single_get=True)
        assert emu.api(method, "/backupunits/" + unit["id"], body)[0] == 202
        single = emu.api("GET", "/backupunits/" + unit["id"])[2]
        assert single["metadata"]["state"] == "BUSY" and "properties" not in single, method
    for depth in ("1", "2"):
        item = emu.api("GET", "/backupunits?depth=" + depth)[2]["items"][0]
        assert (item["metadata"]["state"], item["properties"]) == ("AVAILABLE", {"name": "stale", "email": "s@example.com"})
    assert emu.api("GET", "/backupunits/%s/ssourl" % unit["id"])[0] == 200  # unaffected
    emu.configure(stale_single_get=False)
    assert emu.api("GET", "/backupunits/" + unit["id"])[2]["properties"]["name"] == "stale"


def test_the_password_is_in_no_response_and_strings_round_trip_in_every_rendering(tracked):
    secret, name = "Never-Return-Me-42", 'we"ird \\ %s %(f0)s \u00e9\u4e2d \x01\x02 \n end'  # \x01: the href mark
    body, headers = tracked.create_unit(name, email="100%@example.com", password=secret)
    tracked.api("PATCH", "/backupunits/" + body["id"], {"password": secret})
    paths = ["/backupunits/" + body["id"], "/backupunits/%s?pretty=false" % body["id"], "/backupunits?depth=1",
             "/backupunits?depth=1&pretty=false", "/requests/%s/status" % request_id_of(headers["location"])]
    texts = [tracked.raw("GET", tracked.url + path, headers=tracked.auth_header())[2] for path in paths]
    assert not [text for text in texts + [json.dumps(tracked.units()).encode()] if secret.encode() in text]
    for text in texts[:4]:
        unit = json.loads(text)
        unit = unit["items"][0] if "items" in unit else unit
        assert (unit["properties"], unit["href"]) == ({"name": name, "email": "100%@example.com"}, body["href"])


@pytest.mark.parametrize("authorization", ["Basic " + base64.b64encode(b).decode() for b in (
    b"emulator-user:wrong", b"someone:emulator-password", b"no-colon")] + ["Basic !!!", "Bearer ", "Token emulator-token"])
def test_401_with_error_code_315_for_wrong_credentials(emu, authorization):
    assert emu.api("GET", "/backupunits", headers={"Authorization": authorization}, auth=None)[::2] == (
        401, {"httpStatus": 401, "messages": [{"errorCode": "315", "message": "Unauthorized"}]})


@pytest.mark.parametrize("method,body,message", [  # each answered 422
    ("POST", {"properties": {"email": "a@example.com"}}, "name"), ("POST", {"properties": {"name": ""}}, "name"),
    ("POST", {"properties": {"name": "x", "email": ["a"]}}, "Expected: string"),
    ("POST", {"properties": {"name": "x", "password": None}}, "password"),
    ("POST", {"properties": {"name": "x", "colour": "red"}}, "colour"),
    ("POST", {"name": "x"}, "properties"), ("POST", [], "object"),
    ("POST", {"properties": {"name": "fixed-name"}}, "already exists"),
    ("PUT", {"properties": {"name": "other"}}, "cannot be changed"),
    ("PUT", {"name": "fixed-name"}, "properties"),                 # PUT needs the wrapper
    ("PATCH", {"properties": {"email": "a@b.c"}}, "properties"),   # PATCH must not have it
    ("PATCH?depth=-1", {"email": "a@b.c"}, "depth"),
])
def test_invalid_writes_are_refused_and_change_nothing(emu, method, body, message):
    unit = emu.create_unit("fixed-name", email="a@example.com")[0]
    method, _sep, query = method.partition("?")
    path = ("/backupunits" if method == "POST" else "/backupunits/" + unit["id"]) + ("?" + query if query else "")
    answer = emu.api(method, path, body)
    assert (answer[0], answer[2]["httpStatus"]) == (422, 422) and message in answer[2]["messages"][0]["message"]
    assert [(u["name"], u["email"]) for u in emu.units()] == [("fixed-name", "a@example.com")]
    body = json.dumps({"properties": {"name": "Fixed-Name"}})  # names are exact; a charset is accepted
    assert emu.api("POST", "/backupunits", body, headers={"Content-Type": "application/json; charset=utf-8"})[0] == 202


def test_a_unit_being_deleted_refuses_writes(emu):
    emu.configure(provisioning_delay=30)
    unit = emu.create_unit("going")[0]
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 202
    for method, body in (("PATCH", {"email": "x@example.com"}), ("DELETE", None)):
        assert emu.api(method, "/backupunits/" + unit["id"], body)[2]["messages"][0]["message"].endswith("being deleted")


def test_fifty_clients_at_once_get_one_unit_per_name(emu):
    barrier = threading.Barrier(50)

    def client(index):  # half of them race for one name
        barrier.wait(60)
        return emu.api("POST", "/backupunits", {"properties": {"name": "unit-%02d" % min(index, 25)}})[0]
    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(client, range(50)))
    assert sorted(statuses) == [202] * 26 + [422] * 24 and len(emu.log()) == 50
    assert sorted(u["name"] for u in emu.units()) == ["unit-%02d" % i for i in range(26)]
