# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors: status, vendor envelope, message, and that nothing changed.

Every operation's 400, 401, 403, 404, 405, 415, 422, 429, 500, 502 and 503, each with the envelope and
nothing applied, are in test_conformance.py; here are the inputs and messages beyond those.
"""

import base64
import json

import pytest


def assert_envelope(status, headers, body, expected_status, message_part=None):
    assert status == expected_status, body
    assert headers["content-type"] == "application/json"
    assert body["httpStatus"] == expected_status
    assert len(body["messages"]) == 1
    message = body["messages"][0]
    assert isinstance(message["errorCode"], str) and message["errorCode"]
    assert isinstance(message["message"], str) and message["message"]
    if message_part:
        assert message_part.lower() in message["message"].lower()
    for name in ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-burst"):
        assert name in headers


def basic(credentials):
    return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}


@pytest.mark.parametrize("headers", [
    {}, basic(b"emulator-user:wrong"), basic(b"someone:emulator-password"), {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Bearer "}, {"Authorization": "Basic !!!not-base64!!!"}, basic(b"no-colon"),
    {"Authorization": "Token emulator-token"},
], ids=["none", "wrong-password", "wrong-user", "wrong-token", "empty-token", "garbage-basic",
        "basic-without-colon", "unknown-scheme"])
def test_401_for_missing_or_wrong_credentials(emu, headers):
    status, response_headers, body = emu.api("GET", "/backupunits", headers=headers, auth=None)
    assert_envelope(status, response_headers, body, 401, "Unauthorized")
    assert body["messages"][0]["errorCode"] == "315"


def test_404_outside_the_api_prefix(emu):
    status, _headers, data = emu.raw("GET", emu.url.replace("/cloudapi/v6", "/cloudapi/v5/backupunits"))
    assert (status, json.loads(data)["httpStatus"]) == (404, 404)


def test_415_for_a_body_that_is_not_json_and_a_charset_is_accepted(emu):
    unit, _headers = emu.create_unit("target")
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded"):
        headers = dict(emu.auth_header(), **({"Content-Type": content_type} if content_type else {}))
        for method, path in (("POST", ""), ("PUT", "/" + unit["id"]), ("PATCH", "/" + unit["id"])):
            status, response_headers, data = emu.raw(method, emu.url + "/backupunits" + path, b"name=x", headers)
            assert_envelope(status, response_headers, json.loads(data), 415)
    assert [u["name"] for u in emu.units()] == ["target"]
    headers = dict(emu.auth_header(), **{"Content-Type": "application/json; charset=utf-8"})
    body = json.dumps({"properties": {"name": "cs"}}).encode()
    assert emu.raw("POST", emu.url + "/backupunits", body, headers)[0] == 202


@pytest.mark.parametrize("body,message", [
    ({"properties": {"email": "a@example.com"}}, "name"),
    ({"properties": {"name": ""}}, "name"),
    ({"properties": {"name": 42}}, "Expected: string"),
    ({"properties": {"name": "x", "email": ["a"]}}, "email"),
    ({"properties": {"name": "x", "password": None}}, "password"),
    ({"properties": {"name": "x", "colour": "red"}}, "colour"),
    ({"name": "x"}, "properties"),
    ({"properties": "x"}, "properties"),
    ([], "object"),
])
def test_422_for_invalid_create_bodies(emu, body, message):
    status, headers, data = emu.api("POST", "/backupunits", body)
    assert_envelope(status, headers, data, 422, message)
    assert emu.units() == []


def test_422_for_duplicate_name_in_the_same_contract(emu):
    emu.create_unit("unique")
    status, headers, data = emu.api("POST", "/backupunits", {"properties": {"name": "unique"}})
    assert_envelope(status, headers, data, 422, "already exists")
    assert len(emu.units()) == 1
    emu.create_unit("Unique")  # names are exact: another spelling is another unit


@pytest.mark.parametrize("method,body,message", [
    ("PUT", {"properties": {"name": "other", "email": "b@example.com"}}, "cannot be changed"),
    ("PATCH", {"name": "other", "email": "b@example.com"}, "cannot be changed"),
    ("PUT", {"name": "fixed-name"}, "properties"),                    # PUT needs the wrapper
    ("PATCH", {"properties": {"email": "a@b.c"}}, "properties"),      # PATCH must not have it
    ("PATCH", {"name": "fixed-name", "email": 5}, "email"),
])
def test_422_for_invalid_updates(emu, method, body, message):
    unit, _headers = emu.create_unit("fixed-name", email="a@example.com")
    status, headers, data = emu.api(method, "/backupunits/" + unit["id"], body)
    assert_envelope(status, headers, data, 422, message)
    assert [(u["name"], u["email"]) for u in emu.units()] == [("fixed-name", "a@example.com")]


# depth=x, depth=11 and pretty=perhaps on every operation: test_conformance.py
@pytest.mark.parametrize("query,expected", [("depth=", 400), ("depth=1.5", 400), ("depth=-1", 422)])
def test_invalid_depth(emu, query, expected):
    assert_envelope(*emu.api("GET", "/backupunits?" + query), expected)


def test_400_for_a_contract_number_that_is_not_an_integer(emu):
    status, headers, data = emu.api("POST", "/backupunits", {"properties": {"name": "x"}},
                                    headers={"X-Contract-Number": "abc"})
    assert_envelope(status, headers, data, 400, "X-Contract-Number")
    assert emu.log()[-1]["contract"] is None


def test_500_default_body_is_the_real_one(emu):
    emu.add_fault(path=".", action="status", status=500)
    assert emu.api("GET", "/backupunits")[::2] == (500, {"httpStatus": 500, "messages": [
        {"errorCode": "301", "message": "Oops! Something went very wrong. Please contact the administrator"}]})


def test_errors_are_pretty_by_default_and_compact_on_request(emu):
    _status, _headers, pretty = emu.raw("GET", emu.url + "/backupunits/nope", headers=emu.auth_header())
    assert pretty.startswith(b'{\n  "httpStatus" : 404,\n  "messages" : [ {\n    "errorCode" : "309",')
    assert pretty.endswith(b'"\n  } ]\n}')
    _status, _headers, compact = emu.raw("GET", emu.url + "/backupunits/nope?pretty=false", headers=emu.auth_header())
    assert b'"httpStatus":404' in compact


def test_unit_being_deleted_refuses_updates(emu):
    emu.configure(provisioning_delay=30)
    unit, _headers = emu.create_unit("going")
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 202
    status, headers, data = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "going", "email": "x@example.com"})
    assert_envelope(status, headers, data, 422, "being deleted")
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 422
