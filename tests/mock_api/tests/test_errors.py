# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors: status, vendor envelope, headers, and that nothing changed."""

import base64
import json

import pytest


# a well-formed id that no unit or request has
MISSING_ID = "0b9c6a1e-6f2d-4c55-9b0e-3a3f3d1c2b7a"


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


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


@pytest.mark.parametrize("headers", [
    {},
    basic("emulator-user", "wrong"),
    basic("someone", "emulator-password"),
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic !!!not-base64!!!"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    {"Authorization": "Token emulator-token"},
], ids=["none", "wrong-password", "wrong-user", "wrong-token", "empty-token", "garbage-basic",
        "basic-without-colon", "unknown-scheme"])
def test_401_for_missing_or_wrong_credentials(emu, headers):
    status, response_headers, body = emu.api("GET", "/backupunits", headers=headers, auth=None)
    assert_envelope(status, response_headers, body, 401, "Unauthorized")
    assert body["messages"][0]["errorCode"] == "315"


def test_401_before_anything_else_and_nothing_created(emu):
    status, headers, body = emu.api("POST", "/backupunits", {"properties": {"name": "x"}}, auth=None)
    assert_envelope(status, headers, body, 401)
    assert emu.units() == []
    assert emu.log()[-1]["status"] == 401


@pytest.mark.parametrize("method,path", [
    ("GET", "/backupunits/%s" % MISSING_ID),
    ("PUT", "/backupunits/%s" % MISSING_ID),
    ("PATCH", "/backupunits/%s" % MISSING_ID),
    ("DELETE", "/backupunits/%s" % MISSING_ID),
    ("GET", "/backupunits/%s/ssourl" % MISSING_ID),
    ("GET", "/requests/%s" % MISSING_ID),
    ("GET", "/requests/%s/status" % MISSING_ID),
    ("GET", "/datacenters"),
    ("GET", "/backupunits/a/b/c"),
    ("GET", ""),
])
def test_404_for_unknown_ids_and_paths(emu, method, path):
    body = None
    if method == "PUT":
        body = {"properties": {"name": "x"}}
    elif method == "PATCH":
        body = {"email": "x@example.com"}
    status, headers, data = emu.api(method, path, body)
    assert_envelope(status, headers, data, 404)


def test_404_outside_the_api_prefix(emu):
    status, _headers, data = emu.raw("GET", emu.url.replace("/cloudapi/v6", "/cloudapi/v5/backupunits"))
    assert status == 404
    assert json.loads(data)["httpStatus"] == 404


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/backupunits", "GET, POST"),
    ("PUT", "/backupunits", "GET, POST"),
    ("POST", "/backupunits/{id}", "GET, PUT, PATCH, DELETE"),
    ("POST", "/backupunits/{id}/ssourl", "GET"),
    ("DELETE", "/requests/{rid}", "GET"),
    ("POST", "/requests/{rid}/status", "GET"),
])
def test_405_for_unsupported_methods(emu, method, path, allowed):
    unit, headers = emu.create_unit("m")
    request_id = headers["location"].split("/")[-2]
    path = path.format(id=unit["id"], rid=request_id)
    status, response_headers, body = emu.api(method, path, {"properties": {"name": "m"}})
    assert_envelope(status, response_headers, body, 405)
    assert response_headers["allow"] == allowed
    assert len(emu.units()) == 1


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_415_for_a_body_that_is_not_json(emu, content_type):
    headers = dict(emu.auth_header())
    if content_type:
        headers["Content-Type"] = content_type
    status, response_headers, data = emu.raw("POST", emu.url + "/backupunits", b"name=x", headers)
    assert_envelope(status, response_headers, json.loads(data), 415)
    unit, response_headers = emu.create_unit("target")
    for method in ("PUT", "PATCH"):
        status, response_headers, data = emu.raw(method, emu.url + "/backupunits/" + unit["id"], b"name=x", headers)
        assert_envelope(status, response_headers, json.loads(data), 415)
    assert [u["name"] for u in emu.units()] == ["target"]


def test_400_for_json_content_type_with_unparseable_body(emu):
    headers = dict(emu.auth_header(), **{"Content-Type": "application/json"})
    status, response_headers, data = emu.raw("POST", emu.url + "/backupunits", b"{broken", headers)
    assert_envelope(status, response_headers, json.loads(data), 400)
    assert emu.units() == []


def test_json_content_type_with_charset_is_accepted(emu):
    headers = dict(emu.auth_header(), **{"Content-Type": "application/json; charset=utf-8"})
    status, _headers, _data = emu.raw("POST", emu.url + "/backupunits",
                                      json.dumps({"properties": {"name": "cs"}}).encode(), headers)
    assert status == 202


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
    # names are exact: another spelling is another unit
    emu.create_unit("Unique")


def test_422_for_a_name_change_by_put_or_patch(emu):
    unit, response_headers = emu.create_unit("fixed-name", email="a@example.com")
    for method, body in (("PUT", {"properties": {"name": "other", "email": "b@example.com"}}),
                         ("PATCH", {"name": "other", "email": "b@example.com"})):
        status, headers, data = emu.api(method, "/backupunits/" + unit["id"], body)
        assert_envelope(status, headers, data, 422, "cannot be changed")
    assert [(u["name"], u["email"]) for u in emu.units()] == [("fixed-name", "a@example.com")]


def test_422_for_put_with_bare_properties(emu):
    unit, response_headers = emu.create_unit("put-me")
    status, headers, data = emu.api("PUT", "/backupunits/" + unit["id"], {"name": "put-me"})
    assert_envelope(status, headers, data, 422, "properties")


def test_422_for_patch_with_wrong_types_or_wrapped_body(emu):
    unit, response_headers = emu.create_unit("patch-me")
    status, headers, data = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "patch-me", "email": 5})
    assert_envelope(status, headers, data, 422, "email")
    status, headers, data = emu.api("PATCH", "/backupunits/" + unit["id"], {"properties": {"email": "a@b.c"}})
    assert_envelope(status, headers, data, 422, "properties")


@pytest.mark.parametrize("query,expected", [
    ("depth=abc", 400), ("depth=", 400), ("depth=1.5", 400), ("depth=-1", 422), ("depth=11", 422),
    ("pretty=maybe", 400),
])
def test_invalid_depth_or_pretty(emu, query, expected):
    status, headers, data = emu.api("GET", "/backupunits?" + query)
    assert_envelope(status, headers, data, expected)


def test_invalid_depth_on_a_write_changes_nothing(emu):
    status, headers, data = emu.api("POST", "/backupunits?depth=99", {"properties": {"name": "no"}})
    assert_envelope(status, headers, data, 422)
    assert emu.units() == []


def test_400_for_a_contract_number_that_is_not_an_integer(emu):
    status, headers, data = emu.api("POST", "/backupunits", {"properties": {"name": "x"}},
                                    headers={"X-Contract-Number": "abc"})
    assert_envelope(status, headers, data, 400, "X-Contract-Number")
    assert emu.units() == []
    assert emu.log()[-1]["contract"] is None


def test_500_default_body_is_the_real_one(emu):
    emu.add_fault(path=".", action="status", status=500)
    status, _headers, body = emu.api("GET", "/backupunits")
    assert (status, body) == (500, {"httpStatus": 500, "messages": [
        {"errorCode": "301", "message": "Oops! Something went very wrong. Please contact the administrator"}]})


def test_errors_are_pretty_by_default_and_compact_on_request(emu):
    _status, _headers, pretty = emu.raw("GET", emu.url + "/backupunits/nope", headers=emu.auth_header())
    assert pretty.startswith(b'{\n  "httpStatus" : 404,\n  "messages" : [ {\n    "errorCode" : "309",')
    assert pretty.endswith(b'"\n  } ]\n}')
    _status, _headers, compact = emu.raw("GET", emu.url + "/backupunits/nope?pretty=false", headers=emu.auth_header())
    assert b'"httpStatus":404' in compact


def test_unit_being_deleted_refuses_updates(emu):
    emu.configure(provisioning_delay=30)
    unit, response_headers = emu.create_unit("going")
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 202
    status, headers, data = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "going", "email": "x@example.com"})
    assert_envelope(status, headers, data, 422, "being deleted")
    assert emu.api("DELETE", "/backupunits/" + unit["id"])[0] == 422
