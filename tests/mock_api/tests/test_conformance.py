# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every kind of response the emulator gives, validated with openapi-core against the vendor document.

See docs/emulator.md, "Conformance with the vendor document": the verbatim vendor file, the two fixes
of NOTES.md section 10 applied in memory (spec_fixes.py), and two places no real server can meet,
excused by name and only there (Checker.is_location_placeholder, Checker.is_depth0_references).
Every error response must also be the vendor envelope with one message, and change nothing.
"""

import hashlib
import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import Emulator, request_id_of
from spec_fixes import SPEC_PATH, SPEC_SHA256, load_fixed_spec

openapi_core = pytest.importorskip("openapi_core")  # pinned in tests/mock_api/requirements.txt
from openapi_core import OpenAPI  # noqa: E402
from openapi_core.testing import MockRequest, MockResponse  # noqa: E402
from openapi_schema_validator import OAS30Validator  # noqa: E402

VENDOR_HOST = "https://api.ionos.com"  # the document's server; requests are mapped onto it
RATE_HEADERS = ("X-RateLimit-Remaining", "X-RateLimit-Limit", "X-RateLimit-Burst")
LOCATION_RE = r"^%s/requests/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/status$"
MISSING_ID = "0b9c6a1e-6f2d-4c55-9b0e-3a3f3d1c2b7a"


def test_spec_file_is_the_verbatim_vendor_document():
    with open(SPEC_PATH, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == SPEC_SHA256


@pytest.fixture(scope="module")
def spec():
    spec, fixes = load_fixed_spec()
    assert len(fixes) == 4, fixes  # 3 schemas + the DELETE response: the document is unchanged
    return spec


def assert_error_envelope(body, status):
    error = json.loads(body)
    assert error["httpStatus"] == status, error
    assert len(error["messages"]) == 1, error
    assert all(isinstance(error["messages"][0][key], str) and error["messages"][0][key]
               for key in ("errorCode", "message")), error


class Checker:
    """Makes real HTTP calls and validates each exchange against the document."""

    def __init__(self, spec, emu):
        self.spec = spec
        self.api = OpenAPI.from_dict(spec)
        self.emu = emu
        self.error_validator = OAS30Validator(
            dict(spec["components"]["schemas"]["Error"], components=spec["components"]))
        self.kinds = set()  # (method, path template, status) validated, for the coverage assertion

    def call(self, method, path, body=None, headers=None, raw_body=None, auth="basic", template=None):
        request_headers = {} if auth is None else dict(self.emu.auth_header(auth))
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        status, headers, body = self.emu.raw(method, self.emu.url + path, data, request_headers)
        self.validate(method, path, request_headers, data, status, headers, body, template)
        return status, headers, (json.loads(body) if body else None)

    def validate(self, method, path, request_headers, data, status, headers, body, template):
        parts = urlsplit(self.emu.url + path)
        request = MockRequest(VENDOR_HOST, method, parts.path, args=dict(parse_qsl(parts.query)),
                              headers=request_headers, data=data)
        for name in RATE_HEADERS:
            assert re.match(r"^\d+$", headers[name.lower()]), (name, headers)
        if body:
            assert headers["content-type"] == "application/json"
            json.loads(body)
        if status >= 400:
            assert_error_envelope(body, status)
        if template is None:  # a path or method the document does not have: the body must be an Error
            assert status in (404, 405), (method, path, status)
            errors = list(self.error_validator.iter_errors(json.loads(body)))
            assert not errors, errors
            self.kinds.add((method, "(not in the document)", status))
            return
        operation = self.spec["paths"][template][method.lower()]
        declared = operation["responses"].get(str(status), operation["responses"]["default"])
        for name in declared.get("headers", {}):  # openapi-core skips absent headers: check presence
            assert name.lower() in headers, (name, method, path, status)
        response = MockResponse(body or b"", status_code=status, headers=headers,
                                content_type=headers.get("content-type") if body else None)
        unexplained = ["%s: %s" % (type(error).__name__, error)
                       for error in self.api.iter_response_errors(request, response)
                       if not self.is_location_placeholder(error, status, headers)
                       and not self.is_depth0_references(error, method, template, status, body)]
        assert not unexplained, (method, path, status, unexplained, body[:500])
        if 200 <= status < 300:
            # the requests this test makes are valid too, so the exchange is a fair sample
            request_errors = [str(e) for e in self.api.iter_request_errors(request)]
            assert not request_errors, (method, path, request_errors)
        elif status == 429:
            assert re.match(r"^\d+$", headers["retry-after"])
        self.kinds.add((method, template, status))

    def is_location_placeholder(self, error, status, headers):
        # The 202 Location schema's `pattern` is a placeholder (https://[apiBaseUri]/requests/[requestId]/status)
        # whose brackets are character classes: the real API fails it too. Only that error is excused,
        # and the header is checked with an exact regex instead.
        if getattr(error, "name", None) != "Location" or status != 202:
            return False
        schema_errors = getattr(error.__cause__, "schema_errors", ())
        if not schema_errors or any(e.validator != "pattern" for e in schema_errors):
            return False
        assert re.match(LOCATION_RE % re.escape(self.emu.url), headers["location"]), headers["location"]
        return True

    def is_depth0_references(self, error, method, template, status, body):
        # At depth=0 list items are references {id, type, href} (the real API), while the document's
        # BackupUnit requires `properties`: only that error on items is excused, and the items must be
        # exactly references.
        if (method, template, status) != ("GET", "/backupunits", 200):
            return False
        schema_errors = getattr(error.__cause__, "schema_errors", ())
        if not schema_errors:
            return False
        for schema_error in schema_errors:
            path = list(schema_error.absolute_path)
            if schema_error.validator != "required" or "'properties'" not in schema_error.message:
                return False
            if len(path) != 2 or path[0] != "items":
                return False
        for item in json.loads(body)["items"]:
            assert set(item) == {"id", "type", "href"}, item
        return True


@pytest.fixture(scope="module")
def checker(spec):
    # Tracked (not the default), so that the document's request-status responses exist to validate.
    with Emulator(request_tracking=True, provisioning_delay=0) as emu:
        yield Checker(spec, emu)


def test_every_success_response(checker):
    emu, call = checker.emu, checker.call
    emu.reset()
    call("GET", "/backupunits", template="/backupunits")                                   # empty
    properties = {"name": "conf", "email": "c@example.com", "password": "pw-1"}
    status, headers, unit = call("POST", "/backupunits", {"properties": properties}, template="/backupunits")
    assert status == 202
    emu.create_unit("second")
    for query in ("", "?depth=0", "?depth=1", "?depth=2&pretty=false", "?depth=1&filter.name=conf"):
        assert call("GET", "/backupunits" + query, template="/backupunits")[0] == 200
    assert call("GET", "/backupunits?depth=1", headers={"X-Contract-Number": "31415926"},
                template="/backupunits")[0] == 200
    unit_path, template = "/backupunits/" + unit["id"], "/backupunits/{backupunitId}"
    for query in ("", "?depth=1", "?pretty=false"):
        assert call("GET", unit_path + query, template=template)[0] == 200
    assert call("PUT", unit_path, {"properties": {"name": "conf", "email": "d@example.com"}}, template=template)[0] == 202
    assert call("PATCH", unit_path + "?depth=1", {"name": "conf", "email": "e@example.com", "password": "pw-2"},
                template=template)[0] == 202
    for query in ("", "?pretty=false"):
        assert call("GET", unit_path + "/ssourl" + query, template=template + "/ssourl")[0] == 200
    status, headers, body = call("DELETE", unit_path, template=template)
    assert status == 202
    request_id = request_id_of(headers["location"])
    assert call("GET", "/requests/%s/status" % request_id, template="/requests/{requestId}/status")[0] == 200
    assert call("GET", "/requests/" + request_id, template="/requests/{requestId}")[0] == 200


@pytest.mark.parametrize("wanted", ["QUEUED", "RUNNING", "DONE", "FAILED"])
def test_request_responses_in_every_status(checker, wanted):
    emu, call = checker.emu, checker.call
    emu.reset()
    emu.configure(provisioning_delay=60 if wanted in ("QUEUED", "RUNNING") else 0,
                  fail_next_write="conformance failure" if wanted == "FAILED" else None)
    unit, headers = emu.create_unit("req")
    if wanted == "QUEUED":  # a second request on the same unit waits behind the first
        headers = emu.api("PATCH", "/backupunits/" + unit["id"], {"name": "req", "email": "q@example.com"})[1]
    request_id = request_id_of(headers["location"])
    status_body = call("GET", "/requests/%s/status" % request_id, template="/requests/{requestId}/status")[2]
    assert status_body["metadata"]["status"] == wanted
    request_body = call("GET", "/requests/%s?depth=1" % request_id, template="/requests/{requestId}")[2]
    assert request_body["metadata"]["requestStatus"]["metadata"]["status"] == wanted


OPERATIONS = [
    ("GET", "/backupunits", "/backupunits", None),
    ("POST", "/backupunits", "/backupunits", {"properties": {"name": "err"}}),
    ("GET", "/backupunits/{id}", "/backupunits/{backupunitId}", None),
    ("PUT", "/backupunits/{id}", "/backupunits/{backupunitId}", {"properties": {"name": "target"}}),
    ("PATCH", "/backupunits/{id}", "/backupunits/{backupunitId}", {"name": "target", "email": "x@example.com"}),
    ("DELETE", "/backupunits/{id}", "/backupunits/{backupunitId}", None),
    ("GET", "/backupunits/{id}/ssourl", "/backupunits/{backupunitId}/ssourl", None),
    ("GET", "/requests/{rid}", "/requests/{requestId}", None),
    ("GET", "/requests/{rid}/status", "/requests/{requestId}/status", None),
]


@pytest.mark.parametrize("method,path,template,body", OPERATIONS, ids=["%s %s" % (o[0], o[1]) for o in OPERATIONS])
def test_every_error_response_of_every_operation(checker, method, path, template, body):
    emu = checker.emu
    emu.reset()
    unit, headers = emu.create_unit("target")
    real = path.format(id=unit["id"], rid=request_id_of(headers["location"]))

    def status_of(url, body=body, **kwargs):
        return checker.call(method, url, body, template=template, **kwargs)[0]

    before = emu.units()
    # 401: no or wrong credentials
    assert status_of(real, auth=None) == 401
    assert status_of(real, auth=None, headers={"Authorization": "Bearer nope"}) == 401
    # 400 / 422: depth (where the operation has it), pretty and the contract number; 403: not the user's contract
    parameters = [p.get("name") for p in checker.spec["paths"][template][method.lower()]["parameters"]]
    if "depth" in parameters:
        assert (status_of(real + "?depth=x"), status_of(real + "?depth=11")) == (400, 422)
    assert status_of(real + "?pretty=perhaps") == 400
    assert status_of(real, headers={"X-Contract-Number": "n/a"}) == 400
    assert status_of(real, headers={"X-Contract-Number": "12345"}) == 403
    # injected faults
    for status in (429, 500, 502, 503):
        emu.add_fault(method=method, path=".", action="status", status=status)
        assert status_of(real) == status
    assert emu.units() == before  # nothing applied
    # rate limit: the one call allowed is applied, the next is not
    emu.configure(rate_limit={"per_minute": 1, "burst": 1})
    status_of(real + "?pretty=false")
    before = emu.units()
    assert status_of(real) == 429
    emu.configure(rate_limit=None)
    # 404: unknown id, or no request tracking
    if "{" in path:
        assert status_of(path.format(id=MISSING_ID, rid=MISSING_ID)) == 404
    if path.startswith("/requests/"):
        emu.configure(request_tracking=False)
        assert status_of(real) == 404
        emu.configure(request_tracking=True)
    # 415, 400 and 422 on bodies
    if body is not None:
        assert status_of(real, None, raw_body=b"name=x", headers={"Content-Type": "text/plain"}) == 415
        assert status_of(real, None, raw_body=b"{oops", headers={"Content-Type": "application/json"}) == 400
        assert status_of(real, {"properties": {"name": 1}} if method != "PATCH" else {"name": "renamed"}) == 422
    assert emu.units() == before  # nothing applied


def test_error_responses_outside_the_document(checker):
    emu, call = checker.emu, checker.call
    emu.reset()
    unit, headers = emu.create_unit("x")
    for path in ("/datacenters", "/backupunits/a/b/c", ""):
        assert call("GET", path)[0] == 404
    for method, path, allowed in (("DELETE", "/backupunits", "GET, POST"), ("PUT", "/backupunits", "GET, POST"),
                                  ("POST", "/backupunits/{id}", "GET, PUT, PATCH, DELETE"),
                                  ("POST", "/backupunits/{id}/ssourl", "GET"), ("PUT", "/backupunits/{id}/ssourl", "GET"),
                                  ("DELETE", "/requests/{rid}", "GET"), ("POST", "/requests/{rid}/status", "GET"),
                                  ("POST", "/contracts", "GET")):
        status, response_headers, _body = call(method, path.format(id=unit["id"], rid=request_id_of(headers["location"])),
                                               {"properties": {"name": "m"}})
        assert (status, response_headers["allow"]) == (405, allowed), (method, path)
    assert [u["name"] for u in emu.units()] == ["x"]


def test_coverage_of_the_document(checker):
    # Runs every flow above again on its own checker, so that the result does not depend on how
    # pytest-xdist spreads the tests over workers.
    checker.kinds.clear()
    test_every_success_response(checker)
    for wanted in ("QUEUED", "RUNNING", "DONE", "FAILED"):
        test_request_responses_in_every_status(checker, wanted)
    for operation in OPERATIONS:
        test_every_error_response_of_every_operation(checker, *operation)
    test_error_responses_outside_the_document(checker)
    for template, operations in checker.spec["paths"].items():
        for method, operation in operations.items():
            success = [int(code) for code in operation["responses"] if code != "default"]
            seen = {status for m, t, status in checker.kinds if (m, t) == (method.upper(), template)}
            assert set(success) <= seen, (method, template, seen)
            assert {400, 401, 403, 429, 500, 502, 503} <= seen, (method, template, seen)
            if "{" in template:
                assert 404 in seen, (method, template, seen)
            if "requestBody" in operation:
                assert {415, 422} <= seen, (method, template, seen)
    assert {404, 405} <= {status for m, t, status in checker.kinds if t == "(not in the document)"}
