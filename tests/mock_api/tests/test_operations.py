# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every operation of the backup-unit API, over real HTTP."""

import base64
import http.client
import json
import re
import time
import uuid
from urllib.parse import urlsplit

from harness import request_id_of

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RATE_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-burst")


def test_empty_list(emu):
    status, headers, body = emu.api("GET", "/backupunits")
    assert status == 200
    assert body == {"id": "backupunits", "type": "collection", "href": emu.url + "/backupunits", "items": []}
    assert headers["content-type"] == "application/json"
    for name in RATE_HEADERS:
        assert int(headers[name]) > 0


def test_create_returns_busy_unit_with_location_and_no_password(tracked):
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
    location = headers["location"]
    assert location.startswith(emu.url + "/requests/") and location.endswith("/status")
    assert UUID_RE.match(request_id_of(location))
    assert headers["etag"] == '"%s"' % body["metadata"]["etag"]
    assert "top-secret-1" not in json.dumps(body)


def test_unit_becomes_available_and_is_listed(emu):
    body, _headers = emu.create_unit("unit-b")
    emu.wait_for_state(body["id"], "AVAILABLE")
    status, headers, unit = emu.api("GET", "/backupunits/" + body["id"])
    assert status == 200
    assert unit["properties"] == body["properties"]
    assert unit["metadata"]["state"] == "AVAILABLE"
    assert headers["etag"] == '"%s"' % unit["metadata"]["etag"]
    for name in RATE_HEADERS:
        assert name in headers


def test_list_depth_zero_gives_references_and_depth_one_full_units(emu):
    first, response_headers = emu.create_unit("first")
    second, response_headers = emu.create_unit("second")
    _status, _headers, shallow = emu.api("GET", "/backupunits")
    assert shallow["items"] == [
        {"id": first["id"], "type": "backupunit", "href": emu.url + "/backupunits/" + first["id"]},
        {"id": second["id"], "type": "backupunit", "href": emu.url + "/backupunits/" + second["id"]},
    ]
    for depth in ("1", "2", "10"):
        _status, headers, deep = emu.api("GET", "/backupunits?depth=" + depth)
        assert [item["properties"]["name"] for item in deep["items"]] == ["first", "second"]
        assert all("metadata" in item for item in deep["items"])
        assert "etag" not in headers


def test_pretty_default_indents_and_pretty_false_is_compact(emu):
    emu.create_unit("pretty-unit")
    emu.create_unit("pretty-unit-2")
    _status, _headers, pretty_text = emu.raw("GET", emu.url + "/backupunits?depth=1", headers=emu.auth_header())
    _status, _headers, compact_text = emu.raw("GET", emu.url + "/backupunits?depth=1&pretty=false",
                                              headers=emu.auth_header())
    # Jackson's layout: arrays inline, objects in them not indented further
    assert re.search(rb'\n  "items" : \[ \{\n    "id" : .*\n  \}, \{\n    "id" : .*\n  \} \]\n\}$',
                     pretty_text, re.S)
    assert b"\n" not in compact_text
    assert json.loads(pretty_text) == json.loads(compact_text)
    _status, _headers, single = emu.raw("GET", emu.url + "/backupunits?pretty=FALSE", headers=emu.auth_header())
    assert b"\n" not in single


def test_unknown_query_parameters_are_ignored(emu):
    emu.create_unit("filtered")
    status, _headers, body = emu.api("GET", "/backupunits?depth=1&filter.name=nope&orderBy=name&maxResults=1")
    assert status == 200
    assert [item["properties"]["name"] for item in body["items"]] == ["filtered"]


def test_bearer_token_works_like_basic(emu):
    body, response_headers = emu.create_unit("token-unit")
    status, _headers, unit = emu.api("GET", "/backupunits/" + body["id"], auth="token")
    assert status == 200
    assert unit["properties"]["name"] == "token-unit"


def test_put_replaces_properties_and_keeps_name(tracked):
    emu = tracked
    body, response_headers = emu.create_unit("put-unit", email="old@example.com")
    emu.wait_for_state(body["id"], "AVAILABLE")
    old_hash = emu.units()[0]["password_sha256"]
    status, headers, updated = emu.api("PUT", "/backupunits/" + body["id"],
                                       {"properties": {"name": "put-unit", "email": "new@example.com"}})
    assert status == 202
    assert updated["properties"] == {"name": "put-unit", "email": "new@example.com"}
    assert updated["metadata"]["state"] == "BUSY"
    assert updated["metadata"]["etag"] != body["metadata"]["etag"]
    assert headers["location"].startswith(emu.url + "/requests/")
    # an omitted password is kept, an omitted email is removed (full replacement)
    assert emu.units()[0]["password_sha256"] == old_hash
    status, _headers, updated = emu.api("PUT", "/backupunits/" + body["id"],
                                        {"properties": {"name": "put-unit", "password": "n3w-pass"}})
    assert status == 202
    assert updated["properties"] == {"name": "put-unit"}
    assert emu.units()[0]["password_sha256"] != old_hash
    emu.wait_for_state(body["id"], "AVAILABLE")


def test_patch_changes_only_given_properties(emu):
    body, response_headers = emu.create_unit("patch-unit", email="old@example.com", password="first-pass")
    before = emu.units()[0]["password_sha256"]
    status, headers, updated = emu.api("PATCH", "/backupunits/" + body["id"], {"name": "patch-unit", "email": "new@example.com"})
    assert status == 202
    assert updated["properties"] == {"name": "patch-unit", "email": "new@example.com"}
    assert headers["location"].endswith("/status")
    assert emu.units()[0]["password_sha256"] == before
    status, _headers, updated = emu.api("PATCH", "/backupunits/" + body["id"],
                                        {"name": "patch-unit", "password": "second-pass"})
    assert status == 202
    assert "second-pass" not in json.dumps(updated)
    assert emu.units()[0]["password_sha256"] != before
    emu.wait_for_state(body["id"], "AVAILABLE")
    _status, _headers, unit = emu.api("GET", "/backupunits/" + body["id"])
    assert unit["properties"]["email"] == "new@example.com"


def test_etag_changes_on_every_write(emu):
    body, response_headers = emu.create_unit("etag-unit")
    etags = [body["metadata"]["etag"]]
    for email in ("b@example.com", "c@example.com"):
        _status, _headers, updated = emu.api("PATCH", "/backupunits/" + body["id"], {"name": "etag-unit", "email": email})
        etags.append(updated["metadata"]["etag"])
    assert len(set(etags)) == 3


def test_last_modified_moves_on_update(emu):
    body, response_headers = emu.create_unit("dates")
    time.sleep(1.05)  # dates have whole seconds
    _status, _headers, updated = emu.api("PATCH", "/backupunits/" + body["id"], {"name": "dates", "email": "x@example.com"})
    assert updated["metadata"]["createdDate"] == body["metadata"]["createdDate"]
    assert updated["metadata"]["lastModifiedDate"] > body["metadata"]["lastModifiedDate"]


def test_delete_answers_202_without_body_and_unit_disappears(emu):
    body, response_headers = emu.create_unit("doomed")
    status, headers, data = emu.raw("DELETE", emu.url + "/backupunits/" + body["id"], headers=emu.auth_header())
    assert status == 202
    assert data == b""
    assert headers["content-length"] == "0"
    assert headers["location"].startswith(emu.url + "/requests/")
    for name in RATE_HEADERS:
        assert name in headers
    emu.wait_for_state(body["id"], 404)
    assert emu.api("GET", "/backupunits")[2]["items"] == []
    assert emu.units() == []


def test_sso_url_is_fresh_each_call(emu):
    body, response_headers = emu.create_unit("sso")
    urls = set()
    for attempt in range(3):
        status, headers, data = emu.api("GET", "/backupunits/%s/ssourl" % body["id"])
        assert status == 200
        assert set(data) == {"ssoUrl"}
        match = re.match(r"^https://backup\.ionos\.com/api/2/idp/external-login#ott=([A-Za-z0-9_-]{42})%3D%3D"
                         r"&targetURI=https://backup\.ionos\.com/bc$", data["ssoUrl"])
        assert match, data["ssoUrl"]
        raw = base64.urlsafe_b64decode(match.group(1) + "==")  # the real token's shape
        assert len(raw) == 31 and raw.startswith(b"OTT\x01")
        assert "etag" not in headers
        urls.add(data["ssoUrl"])
    assert len(urls) == 3
    assert emu.api("GET", "/backupunits/%s/ssourl" % uuid.uuid4())[0] == 404


def test_request_status_and_request_shapes(tracked):
    emu = tracked
    body, headers = emu.create_unit("tracked", password="hidden-pass-9")
    request_id = request_id_of(headers["location"])
    status, status_headers, request_status = emu.api("GET", "/requests/%s/status" % request_id)
    assert status == 200
    assert request_status["id"] == request_id
    assert request_status["type"] == "request-status"
    assert request_status["href"] == headers["location"]
    assert request_status["metadata"]["status"] in ("QUEUED", "RUNNING", "DONE")
    assert status_headers["etag"] == '"%s"' % request_status["metadata"]["etag"]
    target = request_status["metadata"]["targets"][0]
    assert target["target"] == {"id": body["id"], "type": "backupunit", "href": body["href"]}
    emu.wait_until(lambda: emu.api("GET", "/requests/%s/status" % request_id)[2]["metadata"]["status"] == "DONE")
    status, _headers, request = emu.api("GET", "/requests/" + request_id)
    assert status == 200
    assert request["type"] == "request"
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
    _status, _headers, listing = emu.api("GET", "/backupunits", headers=proxy)
    assert listing["href"] == "http://proxy.example.test:8443/cloudapi/v6/backupunits"
    assert listing["items"][0]["href"] == body["href"]
    # the same cached unit rendered for another host
    _status, _headers, direct = emu.api("GET", "/backupunits")
    assert direct["items"][0]["href"] == emu.url + "/backupunits/" + body["id"]


def test_contract_number_partitions_units_and_no_header_is_the_first_contract(emu):
    emu.configure(contracts=[31000001, 31000002])
    contract_a = {"X-Contract-Number": "31000001"}
    contract_b = {"X-Contract-Number": "31000002"}
    unit_a, response_headers = emu.create_unit("same-name", headers=contract_a)
    unit_b, response_headers = emu.create_unit("same-name", headers=contract_b)
    assert unit_a["id"] != unit_b["id"]
    # no header: the default (first) contract, the same units as its number
    assert emu.api("POST", "/backupunits", {"properties": {"name": "same-name"}})[0] == 422
    listing = emu.api("GET", "/backupunits")[2]
    assert [item["id"] for item in listing["items"]] == [unit_a["id"]]
    assert emu.api("GET", "/backupunits/" + unit_b["id"], headers=contract_a)[0] == 404
    assert emu.api("GET", "/backupunits/" + unit_b["id"], headers=contract_b)[0] == 200
    assert sorted(u["contract"] for u in emu.units()) == [31000001, 31000002]
    logged = [entry["contract"] for entry in emu.log() if entry["method"] == "POST"]
    assert logged == [31000001, 31000002, 31000001]  # the effective contract, also without a header


def test_unknown_contract_is_refused_with_403_before_anything_is_applied(emu):
    unit, response_headers = emu.create_unit("mine")
    other = {"X-Contract-Number": "12345"}
    for method, path, body in (("GET", "/backupunits", None), ("POST", "/backupunits", {"properties": {"name": "x"}}),
                               ("PATCH", "/backupunits/" + unit["id"], {"email": "x@example.com"}),
                               ("DELETE", "/backupunits/" + unit["id"], None)):
        status, _headers, data = emu.api(method, path, body, headers=other)
        assert status == 403
        assert data["messages"][0]["message"] == "The user has no access to contract 12345"
    assert [(u["name"], u["email"]) for u in emu.units()] == [("mine", "ops@example.com")]
    assert emu.log()[-1]["contract"] == 12345


def test_contracts_from_the_command_line():
    from harness import Emulator
    with Emulator(contracts=[27182818, 31415926]) as emu:
        assert emu.config()["contracts"] == [27182818, 31415926]
        unit, response_headers = emu.create_unit("cli")
        assert emu.units()[0]["contract"] == 27182818
        assert emu.api("GET", "/backupunits/" + unit["id"], headers={"X-Contract-Number": "27182818"})[0] == 200
        assert emu.api("GET", "/backupunits/" + unit["id"], headers={"X-Contract-Number": "31415926"})[0] == 404


def test_stale_single_get_after_writes_while_the_list_is_right(emu):
    emu.configure(stale_single_get=True)
    unit, response_headers = emu.create_unit("stale", email="s@example.com")
    status, headers, single = emu.api("GET", "/backupunits/" + unit["id"])
    assert status == 200
    assert single["metadata"]["state"] == "BUSY"
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


def test_stale_single_get_from_the_command_line_after_patch_and_put():
    from harness import Emulator
    with Emulator(stale_single_get=True) as emu:
        assert emu.config()["stale_single_get"] is True
        emu.configure(stale_single_get=False)
        unit, response_headers = emu.create_unit("fresh")
        emu.configure(stale_single_get=True)
        assert "properties" in emu.api("GET", "/backupunits/" + unit["id"])[2]  # not written while on
        for method, body in (("PATCH", {"email": "p@example.com"}), ("PUT", {"properties": {"email": "q@example.com"}})):
            emu.configure(stale_single_get=False)  # off clears the marks: only this write makes it stale
            emu.configure(stale_single_get=True)
            assert emu.api(method, "/backupunits/" + unit["id"], body)[0] == 202
            assert "properties" not in emu.api("GET", "/backupunits/" + unit["id"])[2], method


def test_put_and_patch_without_name_keep_the_name(emu):
    unit, response_headers = emu.create_unit("named", email="a@example.com", password="pw-1")
    before = emu.units()[0]["password_sha256"]
    status, _headers, updated = emu.api("PATCH", "/backupunits/" + unit["id"], {"email": "b@example.com"})
    assert (status, updated["properties"]) == (202, {"name": "named", "email": "b@example.com"})
    status, _headers, updated = emu.api("PUT", "/backupunits/" + unit["id"],
                                        {"properties": {"email": "c@example.com", "password": "pw-2"}})
    assert (status, updated["properties"]) == (202, {"name": "named", "email": "c@example.com"})
    assert emu.units()[0]["password_sha256"] != before


def test_password_never_in_any_response(tracked):
    emu = tracked  # so the /requests/... answers exist too
    secret = "Never-Return-Me-42"
    body, headers = emu.create_unit("secretive", password=secret)
    request_id = request_id_of(headers["location"])
    emu.api("PUT", "/backupunits/" + body["id"], {"properties": {"name": "secretive", "password": secret}})
    emu.api("PATCH", "/backupunits/" + body["id"], {"name": "secretive", "password": secret})
    texts = []
    for path in ("/backupunits", "/backupunits?depth=1", "/backupunits/" + body["id"],
                 "/requests/" + request_id, "/requests/%s/status" % request_id):
        texts.append(emu.raw("GET", emu.url + path, headers=emu.auth_header())[2])
    texts.append(json.dumps(emu.units()).encode())
    texts.append(json.dumps(emu.log()).encode())
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
    name = 'we"ird \\ %s %(f0)s \u00e9\u4e2d \x01\x02 \n end'
    email = "100%@example.com"
    body, response_headers = emu.create_unit(name, email=email)
    assert body["properties"] == {"name": name, "email": email}
    for query in ("", "?pretty=false"):
        unit = emu.api("GET", "/backupunits/" + body["id"] + query)[2]
        assert unit["properties"] == {"name": name, "email": email}
        assert unit["href"] == emu.url + "/backupunits/" + body["id"]
    for query in ("?depth=1", "?depth=1&pretty=false"):
        item = emu.api("GET", "/backupunits" + query)[2]["items"][0]
        assert item["properties"] == {"name": name, "email": email}
        assert item["href"] == emu.url + "/backupunits/" + body["id"]
