# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every operation of the backup-unit API, over real HTTP."""

import base64
import http.client
import json
import re
import time
from urllib.parse import urlsplit

from harness import Emulator, request_id_of

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RATE_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-burst")


def test_create_answers_a_busy_unit_without_password_that_then_becomes_available(tracked):
    emu = tracked  # the delayed model: BUSY in the 202 body
    body, headers = emu.create_unit("unit-a", email="a@example.com", password="top-secret-1")
    assert UUID_RE.match(body["id"])
    assert body["type"] == "backupunit"
    assert body["href"] == emu.url + "/backupunits/" + body["id"]
    assert body["properties"] == {"name": "unit-a", "email": "a@example.com"}
    assert body["metadata"]["state"] == "BUSY"
    for field in ("etag", "createdDate", "createdBy", "lastModifiedDate", "lastModifiedBy"):
        assert body["metadata"][field], field
    assert body["metadata"]["createdBy"] == emu.username
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["metadata"]["createdDate"])  # whole seconds
    assert headers["etag"] == '"%s"' % body["metadata"]["etag"]
    assert "top-secret-1" not in json.dumps(body)
    emu.wait_for_state(body["id"], "AVAILABLE")
    status, headers, unit = emu.api("GET", "/backupunits/" + body["id"])
    assert (status, unit["properties"], unit["metadata"]["state"]) == (200, body["properties"], "AVAILABLE")
    assert headers["etag"] == '"%s"' % unit["metadata"]["etag"]


def test_list_depth_zero_gives_references_and_depth_one_full_units(emu):
    status, headers, body = emu.api("GET", "/backupunits")
    assert status == 200
    assert body == {"id": "backupunits", "type": "collection", "href": emu.url + "/backupunits", "items": []}
    assert all(int(headers[name]) > 0 for name in RATE_HEADERS)
    first = emu.create_unit("first")[0]
    second = emu.create_unit("second")[0]
    assert emu.api("GET", "/backupunits")[2]["items"] == [
        {"id": unit["id"], "type": "backupunit", "href": emu.url + "/backupunits/" + unit["id"]} for unit in (first, second)]
    # unknown query parameters are ignored (no filtering); a bearer token works like Basic
    for query, auth in (("1", "basic"), ("2", "basic"), ("10", "token"), ("1&filter.name=nope&orderBy=name&maxResults=1", "basic")):
        status, headers, deep = emu.api("GET", "/backupunits?depth=" + query, auth=auth)
        assert status == 200
        assert [item["properties"]["name"] for item in deep["items"]] == ["first", "second"]
        assert all("metadata" in item for item in deep["items"])
        assert "etag" not in headers


def test_pretty_default_indents_and_pretty_false_is_compact(emu):
    emu.create_unit("pretty-unit")
    emu.create_unit("pretty-unit-2")

    def text(query):
        return emu.raw("GET", emu.url + "/backupunits" + query, headers=emu.auth_header())[2]

    pretty, compact = text("?depth=1"), text("?depth=1&pretty=false")
    # Jackson's layout: arrays inline, objects in them not indented further
    assert re.search(rb'\n  "items" : \[ \{\n    "id" : .*\n  \}, \{\n    "id" : .*\n  \} \]\n\}$', pretty, re.S)
    assert b"\n" not in compact
    assert json.loads(pretty) == json.loads(compact)
    assert b"\n" not in text("?pretty=FALSE")


def test_put_replaces_and_patch_merges_properties(tracked):
    emu = tracked
    unit = emu.create_unit("upd", email="old@example.com", password="pass-0")[0]
    path = "/backupunits/" + unit["id"]
    etags, hashes = [unit["metadata"]["etag"]], [emu.units()[0]["password_sha256"]]
    time.sleep(1.05)  # dates have whole seconds
    for method, body, email, new_password in (
            # PUT replaces the properties: an omitted email is removed, an omitted password kept
            ("PUT", {"properties": {"name": "upd", "email": "put@example.com"}}, "put@example.com", False),
            ("PUT", {"properties": {"name": "upd", "password": "pass-1"}}, None, True),
            ("PUT", {"properties": {"email": "c@example.com", "password": "pass-2"}}, "c@example.com", True),  # no name
            # PATCH changes only what it is given
            ("PATCH", {"name": "upd", "email": "new@example.com"}, "new@example.com", False),
            ("PATCH", {"email": "b@example.com"}, "b@example.com", False),  # no name
            ("PATCH", {"name": "upd", "password": "pass-3"}, "b@example.com", True)):
        status, _headers, updated = emu.api(method, path, body)
        expected = {"name": "upd", "email": email} if email else {"name": "upd"}
        assert (status, updated["properties"], updated["metadata"]["state"]) == (202, expected, "BUSY"), body
        assert "pass-" not in json.dumps(updated)
        hashes.append(emu.units()[0]["password_sha256"])
        assert (hashes[-1] != hashes[-2]) == new_password, body
        etags.append(updated["metadata"]["etag"])
        assert updated["metadata"]["createdDate"] == unit["metadata"]["createdDate"]
        assert updated["metadata"]["lastModifiedDate"] > unit["metadata"]["lastModifiedDate"]
    assert len(set(etags)) == len(etags)
    emu.wait_for_state(unit["id"], "AVAILABLE")
    assert emu.api("GET", path)[2]["properties"] == {"name": "upd", "email": "b@example.com"}


def test_delete_answers_202_without_body_and_unit_disappears(emu):
    body = emu.create_unit("doomed")[0]
    status, headers, data = emu.raw("DELETE", emu.url + "/backupunits/" + body["id"], headers=emu.auth_header())
    assert (status, data, headers["content-length"]) == (202, b"", "0")
    emu.wait_for_state(body["id"], 404)
    assert emu.api("GET", "/backupunits")[2]["items"] == []
    assert emu.units() == []


def test_sso_url_is_fresh_each_call(emu):
    body = emu.create_unit("sso")[0]
    urls = set()
    for attempt in range(3):
        status, headers, data = emu.api("GET", "/backupunits/%s/ssourl" % body["id"])
        assert (status, set(data)) == (200, {"ssoUrl"})
        match = re.match(r"^https://backup\.ionos\.com/api/2/idp/external-login#ott=([A-Za-z0-9_-]{42})%3D%3D"
                         r"&targetURI=https://backup\.ionos\.com/bc$", data["ssoUrl"])
        assert match, data["ssoUrl"]
        raw = base64.urlsafe_b64decode(match.group(1) + "==")  # the real token's shape
        assert len(raw) == 31 and raw.startswith(b"OTT\x01")
        assert "etag" not in headers
        urls.add(data["ssoUrl"])
    assert len(urls) == 3


def test_request_status_and_request_shapes(tracked):
    emu = tracked
    body, headers = emu.create_unit("tracked", password="hidden-pass-9")
    request_id = request_id_of(headers["location"])
    status, status_headers, request_status = emu.api("GET", "/requests/%s/status" % request_id)
    assert status == 200
    assert (request_status["id"], request_status["type"]) == (request_id, "request-status")
    assert request_status["href"] == headers["location"]
    assert request_status["metadata"]["status"] in ("QUEUED", "RUNNING", "DONE")
    assert status_headers["etag"] == '"%s"' % request_status["metadata"]["etag"]
    target = request_status["metadata"]["targets"][0]
    assert target["target"] == {"id": body["id"], "type": "backupunit", "href": body["href"]}
    emu.wait_until(lambda: emu.api("GET", "/requests/%s/status" % request_id)[2]["metadata"]["status"] == "DONE")
    status, _headers, request = emu.api("GET", "/requests/" + request_id)
    assert (status, request["type"]) == (200, "request")
    assert request["href"] == emu.url + "/requests/" + request_id
    assert request["metadata"]["requestStatus"]["metadata"]["status"] == "DONE"
    assert request["metadata"]["createdBy"] == emu.username
    assert request["properties"]["method"] == "POST"
    assert request["properties"]["url"] == emu.url + "/backupunits"
    assert json.loads(request["properties"]["body"])["properties"]["name"] == "tracked"
    assert "hidden-pass-9" not in json.dumps(request)


def test_hrefs_and_location_follow_the_host_header(emu):
    proxy = {"Host": "proxy.example.test:8443"}
    body, headers = emu.create_unit("proxied", headers=proxy)
    assert body["href"] == "http://proxy.example.test:8443/cloudapi/v6/backupunits/" + body["id"]
    assert headers["location"].startswith("http://proxy.example.test:8443/cloudapi/v6/requests/")
    listing = emu.api("GET", "/backupunits", headers=proxy)[2]
    assert listing["href"] == "http://proxy.example.test:8443/cloudapi/v6/backupunits"
    assert listing["items"][0]["href"] == body["href"]
    # the same cached unit rendered for another host
    assert emu.api("GET", "/backupunits")[2]["items"][0]["href"] == emu.url + "/backupunits/" + body["id"]


def test_contract_number_partitions_units_and_no_header_is_the_first_contract(emu):
    emu.configure(contracts=[31000001, 31000002])
    contract_a, contract_b = {"X-Contract-Number": "31000001"}, {"X-Contract-Number": "31000002"}
    unit_a = emu.create_unit("same-name", headers=contract_a)[0]
    unit_b = emu.create_unit("same-name", headers=contract_b)[0]
    assert unit_a["id"] != unit_b["id"]
    # no header: the default (first) contract, the same units as its number
    assert emu.api("POST", "/backupunits", {"properties": {"name": "same-name"}})[0] == 422
    assert [item["id"] for item in emu.api("GET", "/backupunits")[2]["items"]] == [unit_a["id"]]
    assert emu.api("GET", "/backupunits/" + unit_b["id"], headers=contract_a)[0] == 404
    assert emu.api("GET", "/backupunits/" + unit_b["id"], headers=contract_b)[0] == 200
    assert sorted(u["contract"] for u in emu.units()) == [31000001, 31000002]
    logged = [entry["contract"] for entry in emu.log() if entry["method"] == "POST"]
    assert logged == [31000001, 31000002, 31000001]  # the effective contract, also without a header


def test_unknown_contract_is_refused_with_403(emu):
    # that nothing is applied, on every operation: test_conformance.py
    unit = emu.create_unit("mine")[0]
    for method, path, body in (("GET", "", None), ("POST", "", {"properties": {"name": "x"}}),
                               ("PATCH", "/" + unit["id"], {"email": "x@example.com"}), ("DELETE", "/" + unit["id"], None)):
        status, _headers, data = emu.api(method, "/backupunits" + path, body, headers={"X-Contract-Number": "12345"})
        assert (status, data["messages"][0]["message"]) == (403, "The user has no access to contract 12345")
    assert emu.log()[-1]["contract"] == 12345


def test_contracts_holds_the_contract_of_the_request(emu):
    # GET /contracts: where a client learns the number for the backup login <contractNumber>-<name>
    emu.configure(contracts=[31000001, 31000002])
    for headers, auth, expected in (({}, "basic", (200, 31000001)),            # no header: the default (first)
                                    ({"X-Contract-Number": "31000002"}, "token", (200, 31000002)),
                                    ({}, None, (401, None)), ({"X-Contract-Number": "12345"}, "basic", (403, None))):
        status, _headers, body = emu.api("GET", "/contracts?depth=0", headers=headers, auth=auth)
        if status != 200:
            assert (status, body["httpStatus"]) == (expected[0], expected[0])
            continue
        items = body.pop("items")
        assert body == {"id": "contracts", "type": "collection", "href": emu.url + "/contracts"}
        assert [(item["type"], set(item)) for item in items] == [("contract", {"type", "properties"})]
        properties = items[0]["properties"]
        assert (status, properties["contractNumber"]) == expected
        assert (properties["owner"], properties["status"], properties["regDomain"]) == (emu.username, "BILLABLE", "ionos.de")
        assert len(properties["resourceLimits"]) == 25
        assert all(isinstance(value, int) and not isinstance(value, bool) for value in properties["resourceLimits"].values())
    assert [entry["contract"] for entry in emu.log()] == [31000001, 31000002, 31000001, 12345]


def test_contracts_and_stale_single_get_from_the_command_line():
    with Emulator(contracts=[27182818, 31415926], stale_single_get=True) as emu:
        assert emu.config()["contracts"] == [27182818, 31415926]
        assert emu.config()["stale_single_get"] is True
        emu.configure(stale_single_get=False)
        unit = emu.create_unit("cli")[0]
        assert emu.units()[0]["contract"] == 27182818
        assert emu.api("GET", "/backupunits/" + unit["id"], headers={"X-Contract-Number": "27182818"})[0] == 200
        assert emu.api("GET", "/backupunits/" + unit["id"], headers={"X-Contract-Number": "31415926"})[0] == 404
        emu.configure(stale_single_get=True)
        assert "properties" in emu.api("GET", "/backupunits/" + unit["id"])[2]  # not written while on
        for method, body in (("PATCH", {"email": "p@example.com"}), ("PUT", {"properties": {"email": "q@example.com"}})):
            emu.configure(stale_single_get=False)  # off clears the marks: only this write makes it stale
            emu.configure(stale_single_get=True)
            assert emu.api(method, "/backupunits/" + unit["id"], body)[0] == 202
            assert "properties" not in emu.api("GET", "/backupunits/" + unit["id"])[2], method


def test_stale_single_get_after_writes_while_the_list_is_right(emu):
    emu.configure(stale_single_get=True)
    unit = emu.create_unit("stale", email="s@example.com")[0]
    status, _headers, single = emu.api("GET", "/backupunits/" + unit["id"])
    assert (status, single["metadata"]["state"]) == (200, "BUSY")
    assert "properties" not in single
    for depth in ("1", "2"):
        item = emu.api("GET", "/backupunits?depth=" + depth)[2]["items"][0]
        assert item["metadata"]["state"] == "AVAILABLE"
        assert item["properties"] == {"name": "stale", "email": "s@example.com"}
    # the SSO URL and DELETE are unaffected
    assert emu.api("GET", "/backupunits/%s/ssourl" % unit["id"])[0] == 200
    emu.configure(stale_single_get=False)
    assert emu.api("GET", "/backupunits/" + unit["id"])[2]["properties"]["name"] == "stale"
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 202
    assert emu.api("GET", "/backupunits/" + unit["id"])[0] == 404


def test_password_never_in_any_response(tracked):
    emu = tracked  # so the /requests/... answers exist too
    secret = "Never-Return-Me-42"
    body, headers = emu.create_unit("secretive", password=secret)
    request_id = request_id_of(headers["location"])
    emu.api("PUT", "/backupunits/" + body["id"], {"properties": {"name": "secretive", "password": secret}})
    emu.api("PATCH", "/backupunits/" + body["id"], {"name": "secretive", "password": secret})
    texts = [emu.raw("GET", emu.url + path, headers=emu.auth_header())[2]
             for path in ("/backupunits", "/backupunits?depth=1", "/backupunits/" + body["id"],
                          "/requests/" + request_id, "/requests/%s/status" % request_id)]
    texts += [json.dumps(emu.units()).encode(), json.dumps(emu.log()).encode()]
    for text in texts:
        assert secret.encode() not in text
        assert b'"password"' not in text or b'*****' in text


def test_keep_alive_serves_many_requests_on_one_connection(emu):
    emu.create_unit("kept")
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for request_number in range(20):
            conn.request("GET", parts.path + "/backupunits?depth=1", headers=emu.auth_header())
            response = conn.getresponse()
            assert response.status == 200
            assert response.getheader("Connection") != "close"
            assert json.loads(response.read())["items"][0]["properties"]["name"] == "kept"
        # an error with a body the server never reads must not break the connection either
        conn.request("POST", parts.path + "/backupunits", body=b"not json at all", headers={})
        response = conn.getresponse()
        assert response.status == 401
        response.read()
        conn.request("GET", parts.path + "/backupunits", headers=emu.auth_header())
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_strings_with_json_specials_round_trip_in_every_rendering(emu):
    # quotes, backslashes, percent signs, non-ASCII and control characters (one of them is the
    # character the emulator uses internally to mark hrefs)
    properties = {"name": 'we"ird \\ %s %(f0)s \u00e9\u4e2d \x01\x02 \n end', "email": "100%@example.com"}
    body = emu.create_unit(properties["name"], email=properties["email"])[0]
    assert body["properties"] == properties
    for path in ("/backupunits/" + body["id"], "/backupunits/%s?pretty=false" % body["id"],
                 "/backupunits?depth=1", "/backupunits?depth=1&pretty=false"):
        unit = emu.api("GET", path)[2]
        unit = unit["items"][0] if "items" in unit else unit
        assert (unit["properties"], unit["href"]) == (properties, emu.url + "/backupunits/" + body["id"])
