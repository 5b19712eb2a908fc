# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulator of the IONOS Cloud API v6 backup-unit endpoints; standard library only (Python 3.8 and later).

Usage: tests/mock_api/README.md; what it emulates and the evidence: docs/emulator.md. Design: all state lives in one
``EmulatorState`` behind one lock; asynchronous requests are advanced lazily (every access first completes those
whose due time has passed: no timer threads); a small serializer caches each unit's text, because
``json.dumps(indent=...)`` falls back to the slow pure-Python encoder and ``pretty=true`` is the API default.
"""

import argparse
import base64
import binascii
import hashlib
import heapq
import json
import math
import random
import re
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from json.encoder import encode_basestring_ascii as _encode_string  # the C one where there is one
from urllib.parse import parse_qsl, urlsplit

API_PREFIX = "/cloudapi/v6"
CONTROL_PREFIX = "/_emulator"

# The control API's config (docs/emulator.md, "Control API") at start-up, before the flags change it. A provisioning
# delay of 0 is immediate: today's API answers backup-unit writes AVAILABLE (ionosctl PR #487).
DEFAULT_CONFIG = {"provisioning_delay": 0.0, "request_tracking": False, "stale_single_get": False, "contracts": [31415926],
                  "rate_limit": None, "fail_next_write": None, "chaos": None}

# Sent as X-RateLimit-* when no rate limit is configured: the int32 maximum, i.e. "unlimited".
UNLIMITED = 2147483647

UNIT_PROPERTY_NAMES = ("name", "password", "email")
JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}
FAULT_ACTIONS = ("status", "delay", "drop", "apply_then_drop")
REQUEST_MESSAGES = {"DONE": "Request has been successfully executed", "RUNNING": "Request is being processed",
                    "QUEUED": "Request has been queued"}

SSO_URL_TEMPLATE = "https://backup.ionos.com/api/2/idp/external-login#ott={ott}&targetURI=https://backup.ionos.com/bc"

# GET /contracts (docs/emulator.md, "Contracts"). The field names are the SDKs' ContractProperties and
# ResourceLimits; the values are inferred. Every limit is sent because the SDK's ResourceLimits fields
# are not optional and Terraform's ionoscloud_contracts data source dereferences each of them.
CONTRACT_RESOURCE_LIMITS = {
    "coresPerServer": 62, "coresPerContract": 200, "coresProvisioned": 0, "ramPerServer": 245760, "ramPerContract": 1024000,
    "ramProvisioned": 0, "hddLimitPerVolume": 4194304, "hddLimitPerContract": 40960000, "hddVolumeProvisioned": 0,
    "ssdLimitPerVolume": 4194304, "ssdLimitPerContract": 40960000, "ssdVolumeProvisioned": 0, "dasVolumeProvisioned": 0,
    "reservableIps": 50, "reservedIpsOnContract": 50, "reservedIpsInUse": 0, "k8sClusterLimitTotal": 50,
    "k8sClustersProvisioned": 0, "nlbLimitTotal": 10, "nlbProvisioned": 0, "natGatewayLimitTotal": 10,
    "natGatewayProvisioned": 0, "securityGroupsPerVdc": 100, "securityGroupsPerResource": 10, "rulesPerSecurityGroup": 100,
}

# Error codes in the style of the real API (docs/emulator.md lists the public bodies), and each status's usual message.
ERRORS = {
    400: ("100", "Bad Request"), 401: ("315", "Unauthorized"), 404: ("309", "Resource does not exist"), 405: ("105", "Method Not Allowed"),
    415: ("106", "Unsupported Media Type"), 422: ("200", "Unprocessable Entity"), 429: ("429", "Too Many Requests"),
    500: ("301", "Oops! Something went very wrong. Please contact the administrator"), 502: ("502", "Bad Gateway"),
    503: ("503", "Service Unavailable"),
}


# -- Serialization ----------------------------------------------------------------------------------

# Hrefs depend on the request's Host header, but unit texts are cached independently of it:
# an href is written as BASE_MARK + path and the mark is replaced by the base URL once per
# response. A raw control character never appears in encoded JSON (the encoder escapes all of
# them), so user data cannot forge the mark.
BASE_MARK = "\x01"


class Href(str):
    """A path below the API base URL, rendered as an absolute URL."""

    __slots__ = ()


def _scalar(value):
    if isinstance(value, Href):
        return '"' + BASE_MARK + _encode_string(value)[1:]
    return _encode_string(value) if isinstance(value, str) else json.dumps(value)


def render(value, pretty, level=0):
    """JSON text of value. Pretty output mimics the real API (Jackson's default pretty printer):
    2 spaces, ``"key" : v``, and arrays inline, ``[ {`` ... ``}, {`` ... ``} ]``, without indenting
    their elements any further."""
    if isinstance(value, dict):
        if not value:
            return "{ }" if pretty else "{}"
        if pretty:
            inner = "\n" + "  " * (level + 1)
            parts = [inner + _encode_string(k) + " : " + render(v, True, level + 1) for k, v in value.items()]
            return "{" + ",".join(parts) + "\n" + "  " * level + "}"
        return "{" + ",".join(_encode_string(k) + ":" + render(v, False) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[ ]" if pretty else "[]"
        if pretty:
            return "[ " + ", ".join(render(v, True, level) for v in value) + " ]"
        return "[" + ",".join(render(v, False) for v in value) + "]"
    return _scalar(value)


def finish(text, base):
    """Replace the base-URL marks of a rendered text and encode it."""
    if BASE_MARK in text:
        text = text.replace(BASE_MARK, _encode_string(base)[1:-1])
    return text.encode("utf-8")


def utc_now_iso():
    # Whole seconds, as in real objects (2023-05-29T13:48:11Z in module-ansible's returned_object_examples).
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_etag():
    return uuid.uuid4().hex


# -- State ------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered in the vendor envelope."""

    def __init__(self, status, message=None, headers=None):
        self.status = status
        self.message = message or ERRORS.get(status, ("", "Error"))[1]
        super().__init__(self.message)
        self.headers = headers or {}


class ControlError(Exception):
    """A bad call to the control API (answered 400)."""


class Unit:
    __slots__ = ("id", "contract", "name", "email", "password_sha256", "etag", "created", "modified", "created_by", "modified_by",
                 "state", "pending", "busy_until", "deleting", "stale", "_cache")

    def __init__(self, contract, name, email, password, user):
        self.id, self.contract, self.name, self.email = str(uuid.uuid4()), contract, name, email
        self.password_sha256, self.etag = _sha256(password), new_etag()
        self.created = self.modified = utc_now_iso()
        self.created_by = self.modified_by = user
        self.state = "BUSY"
        self.pending = 0          # requests not yet finished
        self.busy_until = 0.0     # due time of the last queued request (requests run one after another)
        self.deleting = False
        self.stale = False        # written while stale_single_get was on: its single GET answers stale
        self._cache = {}

    def changed(self):
        self.etag = new_etag()
        self._cache = {}

    def to_api(self, user_id):
        properties = {"name": self.name}
        if self.email is not None:
            properties["email"] = self.email
        metadata = {"etag": self.etag, "createdDate": self.created, "createdBy": self.created_by,
                    "createdByUserId": user_id, "lastModifiedDate": self.modified, "lastModifiedBy": self.modified_by,
                    "lastModifiedByUserId": user_id, "state": self.state}
        return dict(self.reference(), metadata=metadata, properties=properties)

    def reference(self):
        return {"id": self.id, "type": "backupunit", "href": Href("/backupunits/" + self.id)}

    def text(self, full, pretty, level, user_id):
        """Cached JSON text of the unit (full object or reference) at an indentation level."""
        key = (full, pretty, level)
        text = self._cache.get(key)
        if text is None:
            if full:
                template = _unit_template(pretty, level, self.email is not None)
                values = (self.id, self.etag, self.created, self.created_by, user_id, self.modified,
                          self.modified_by, self.state, self.name, self.email)
                text = template % {"f%d" % index: _encode_string(value)[1:-1]
                                   for index, value in enumerate(values) if value is not None}
            else:
                text = render(self.reference(), pretty, level)
            self._cache[key] = text
        return text

    def control_view(self):
        return {"id": self.id, "contract": self.contract, "name": self.name, "email": self.email,
                "password_sha256": self.password_sha256, "state": self.state, "etag": self.etag,
                "createdDate": self.created, "lastModifiedDate": self.modified}


_UNIT_TEMPLATES = {}


def _unit_template(pretty, level, with_email):
    """A %-template of a full unit's JSON text: a unit's shape never changes, only its strings.

    Built once per layout by rendering a unit whose strings are markers (a control character, which the
    encoder always escapes, so the markers cannot clash with the fixed text) and turning them into %s.
    """
    key = (pretty, level, with_email)
    template = _UNIT_TEMPLATES.get(key)
    if template is None:
        markers = ["\x02%d\x02" % index for index in range(10)]
        sample = Unit.__new__(Unit)
        (sample.id, sample.etag, sample.created, sample.created_by, user_id, sample.modified,
         sample.modified_by, sample.state, sample.name, sample.email) = markers
        if not with_email:
            sample.email = None
        text = render(sample.to_api(user_id), pretty, level).replace("%", "%%")
        for index, marker in enumerate(markers):
            text = text.replace(_encode_string(marker)[1:-1], "%%(f%d)s" % index)
        template = _UNIT_TEMPLATES.setdefault(key, text)  # atomic: threads that built the same text agree
    return template


def _sha256(password):
    return None if password is None else hashlib.sha256(password.encode("utf-8")).hexdigest()


class AsyncRequest:
    __slots__ = ("id", "method", "unit_id", "etag", "start", "due", "status", "message", "fail_message", "undo")

    def __init__(self, method, unit_id, start, due, fail_message, undo):
        self.id, self.method, self.unit_id, self.etag = str(uuid.uuid4()), method, unit_id, new_etag()
        self.start, self.due, self.fail_message = start, due, fail_message
        self.status = self.message = None  # status: None while pending; then "DONE" or "FAILED"
        self.undo = undo            # previous (name, email, password_sha256) of an update

    def status_object(self, now):
        status = self.status or ("RUNNING" if now >= self.start else "QUEUED")
        message = self.message if status == "FAILED" else REQUEST_MESSAGES[status]
        target = {"id": self.unit_id, "type": "backupunit", "href": Href("/backupunits/" + self.unit_id)}
        return {"id": self.id, "type": "request-status", "href": Href("/requests/" + self.id + "/status"),
                "metadata": {"status": status, "message": message, "etag": self.etag,
                             "targets": [{"target": target, "status": status}]}}


def _check(valid, message):
    if not valid:
        raise ControlError(message)


def _is_int(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _validate_fault_action(action, where):
    _check(isinstance(action, dict), "%s must be an object" % where)
    kind = action.get("action")
    _check(kind in FAULT_ACTIONS, "%s: action must be one of %s" % (where, ", ".join(FAULT_ACTIONS)))
    if kind == "status":
        _check(_is_int(action.get("status"), 400) and action["status"] <= 599,
               "%s: status must be an integer between 400 and 599" % where)
        _check(_is_int(action.get("retry_after", 1), 0), "%s: retry_after must be a non-negative integer" % where)
        _check(isinstance(action.get("message", ""), str), "%s: message must be a string" % where)
    if kind == "delay":
        _check(_is_number(action.get("seconds")), "%s: seconds must be a non-negative number" % where)
    return dict(action)


class EmulatorState:
    """Everything the emulator knows. Every public method takes the one lock."""

    def __init__(self, username, password, token, **config):
        """config: the flags' changes to DEFAULT_CONFIG, checked as PATCH /_emulator/config checks them."""
        self.lock = threading.Lock()
        self.username, self.password, self.token = username, password, token
        self.user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "emulator-user:" + username))
        self.startup_config = dict(DEFAULT_CONFIG, **validated_config(config))
        self._reset_locked()

    # -- lifecycle ----------------------------------------------------------------------------

    def _reset_locked(self):
        self.config = json.loads(json.dumps(self.startup_config))
        self.units = {}        # contract -> {id: Unit}, insertion ordered
        self.unit_index = {}   # id -> Unit (all contracts)
        self.requests = {}     # id -> AsyncRequest
        self.pending = []      # heap of (due, seq, AsyncRequest)
        self.seq = 0
        self.log = []
        self.faults = []
        self.chaos_rng = None
        self.sso_tokens = []   # every login token issued in an SSO URL, for the tests' secret scans
        self._reset_bucket()

    def _reset_bucket(self):
        limit = self.config["rate_limit"]
        self.bucket_tokens = float(limit["burst"]) if limit else 0.0
        self.bucket_time = time.monotonic()

    # -- asynchronous requests --------------------------------------------------------------------

    def _advance(self, now):
        while self.pending and self.pending[0][0] <= now:
            _due, _seq, request = heapq.heappop(self.pending)
            self._finish(request)

    def _finish(self, request):
        unit = self.unit_index.get(request.unit_id)
        request.status, request.message = ("DONE" if request.fail_message is None else "FAILED"), request.fail_message
        if unit is None:
            return
        unit.pending -= 1
        if request.status == "DONE" and request.method == "DELETE":
            del self.unit_index[unit.id], self.units[unit.contract][unit.id]
            return
        if request.status == "FAILED":
            if request.method == "DELETE":
                unit.deleting = False
            if request.undo is not None:
                unit.name, unit.email, unit.password_sha256 = request.undo
        if unit.pending == 0:
            unit.state = "FAILED" if request.status == "FAILED" else "AVAILABLE"
        unit.changed()

    def _enqueue(self, method, unit, fail_message, undo, now):
        delay = float(self.config["provisioning_delay"])
        start = max(now, unit.busy_until)
        due = start + delay
        unit.busy_until = due
        unit.pending += 1
        unit.state = "BUSY"
        request = AsyncRequest(method, unit.id, start, due, fail_message, undo)
        self.requests[request.id] = request
        self.seq += 1
        heapq.heappush(self.pending, (due, self.seq, request))
        # With no delay (and nothing queued before it) the request finishes before the answer is
        # rendered: the 202 body shows AVAILABLE and a deleted unit is gone at once.
        self._advance(now)
        return request

    def _take_fail_message(self):
        message, self.config["fail_next_write"] = self.config["fail_next_write"], None
        return message

    # -- rate limit, faults, chaos, log -----------------------------------------------------------

    def rate_check(self):
        """Consume one token. Returns (headers, retry_after or None)."""
        with self.lock:
            limit = self.config["rate_limit"]
            if not limit:
                return {"X-RateLimit-Remaining": UNLIMITED, "X-RateLimit-Limit": UNLIMITED,
                        "X-RateLimit-Burst": UNLIMITED}, None
            per_second = limit["per_minute"] / 60.0
            now = time.monotonic()
            self.bucket_tokens = min(float(limit["burst"]), self.bucket_tokens + (now - self.bucket_time) * per_second)
            self.bucket_time = now
            retry_after = None
            if self.bucket_tokens >= 1.0:
                self.bucket_tokens -= 1.0
            else:
                retry_after = max(1, int(math.ceil((1.0 - self.bucket_tokens) / per_second)))
            headers = {"X-RateLimit-Remaining": int(self.bucket_tokens), "X-RateLimit-Limit": limit["per_minute"],
                       "X-RateLimit-Burst": limit["burst"]}
            return headers, retry_after

    def pick_fault(self, method, path):
        """The fault action for this request, from the rules first, then chaos; or None."""
        with self.lock:
            for rule in self.faults:
                if rule["method"] not in ("*", method) or not re.search(rule["path"], path):  # re caches the pattern
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.faults.remove(rule)
                return {k: v for k, v in rule.items() if k not in ("method", "path", "count")}
            chaos = self.config["chaos"]
            if chaos:
                if self.chaos_rng is None:
                    self.chaos_rng = random.Random(chaos.get("seed"))
                if self.chaos_rng.random() < chaos["rate"]:
                    return dict(self.chaos_rng.choice(chaos["actions"]))
            return None

    def record(self, method, path, query, status, contract):
        with self.lock:
            self.log.append({"method": method, "path": path, "query": query, "status": status, "contract": contract})

    def add_fault(self, rule):
        _check(isinstance(rule, dict), "a fault rule must be an object")
        method, path, count = rule.get("method", "*"), rule.get("path", ".*"), rule.get("count", 1)
        _check(isinstance(method, str) and method, "method must be an HTTP method or '*'")
        _check(isinstance(path, str), "path must be a regular expression")
        try:
            re.compile(path)
        except re.error as exc:
            raise ControlError("path is not a valid regular expression: %s" % exc)
        _check(_is_int(count, 1), "count must be a positive integer")
        action = _validate_fault_action({k: v for k, v in rule.items() if k not in ("method", "path", "count")}, "fault")
        stored = dict(action, method=method.upper(), path=path, count=count)
        with self.lock:
            self.faults.append(stored)
        return dict(stored)

    def patch_config(self, changes):
        clean = validated_config(changes)
        with self.lock:
            self.config.update(clean)
            if "rate_limit" in clean:
                self._reset_bucket()
            if "chaos" in clean:
                self.chaos_rng = None
            if clean.get("stale_single_get") is False:
                for unit in self.unit_index.values():
                    unit.stale = False
            return json.loads(json.dumps(self.config))

    def control(self, method, sub, read_body):
        """The answer of a control API call (docs/emulator.md, "Control API"); read_body() parses its JSON body."""
        if sub not in CONTROL_ROUTES:
            raise ApiError(404, "unknown control path %s" % (CONTROL_PREFIX + sub))
        if method not in CONTROL_ROUTES[sub]:
            raise ApiError(405, "allowed: %s" % ", ".join(CONTROL_ROUTES[sub]))
        if (method, sub) == ("POST", "/faults"):
            return {"fault": self.add_fault(read_body())}
        if method == "PATCH":
            return self.patch_config(read_body())
        with self.lock:
            self._advance(time.monotonic())
            if sub == "/reset":
                self._reset_locked()
                return {"reset": True}
            if sub == "/log":
                if method == "DELETE":
                    self.log = []
                return {"requests": list(self.log)}
            if sub == "/faults":
                if method == "DELETE":
                    self.faults = []
                return {"faults": [dict(rule) for rule in self.faults]}
            if sub == "/config":
                return json.loads(json.dumps(self.config))
            if sub == "/sso-tokens":
                return {"tokens": list(self.sso_tokens)}
            return {"units": [unit.control_view() for unit in self.unit_index.values()]}

    # -- the API ----------------------------------------------------------------------------------

    def _contract_units(self, contract):
        return self.units.setdefault(contract, {})

    def _find(self, contract, unit_id):
        unit = self._contract_units(contract).get(unit_id)
        if unit is None:
            raise ApiError(404, "Resource does not exist")
        return unit

    def list_units(self, contract, full, pretty):
        """The collection text (with base marks) at depth 0 (references) or >= 1 (full)."""
        with self.lock:
            self._advance(time.monotonic())
            level = 1 if pretty else 0  # pretty items are indented one level, inside the collection
            item_texts = [unit.text(full, pretty, level, self.user_id) for unit in self._contract_units(contract).values()]
        href = _scalar(Href("/backupunits"))
        if pretty:
            items = "[ " + ", ".join(item_texts) + " ]" if item_texts else "[ ]"
            return ('{\n  "id" : "backupunits",\n  "type" : "collection",\n  "href" : ' + href
                    + ',\n  "items" : ' + items + "\n}")
        return '{"id":"backupunits","type":"collection","href":' + href + ',"items":[' + ",".join(item_texts) + "]}"

    def get_unit(self, contract, unit_id, pretty):
        with self.lock:
            self._advance(time.monotonic())
            unit = self._find(contract, unit_id)
            if unit.stale:
                # Terraform #641: BUSY and no properties at all, while the list is already right.
                data = unit.to_api(self.user_id)
                data["metadata"]["state"] = "BUSY"
                del data["properties"]
                return render(data, pretty), unit.etag
            return unit.text(True, pretty, 0, self.user_id), unit.etag

    def sso_url(self, contract, unit_id):
        with self.lock:
            self._advance(time.monotonic())
            self._find(contract, unit_id)
            # Like the real token: base64url of 31 bytes starting with OTT\x01, "=" written as %3D.
            token = base64.urlsafe_b64encode(b"OTT\x01" + secrets.token_bytes(27)).decode("ascii")
            token = token.replace("=", "%3D")
            self.sso_tokens.append(token)
        return SSO_URL_TEMPLATE.format(ott=token)

    def create_unit(self, contract, body):
        properties = _unit_properties(body, wrapped=True)
        name = properties.get("name")
        if name is None:
            raise ApiError(422, "[(root).properties.name] Attribute is required")
        with self.lock:
            now = time.monotonic()
            self._advance(now)
            if any(unit.name == name for unit in self._contract_units(contract).values()):
                raise ApiError(422, "[VDC-21-1] A backup unit with the name '%s' already exists" % name)
            unit = Unit(contract, name, properties.get("email"), properties.get("password"), self.username)
            self._contract_units(contract)[unit.id] = unit
            self.unit_index[unit.id] = unit
            unit.stale = self.config["stale_single_get"]
            request = self._enqueue("POST", unit, self._take_fail_message(), None, now)
            return unit.to_api(self.user_id), request.id, unit.etag

    def update_unit(self, contract, unit_id, body, method):
        properties = _unit_properties(body, wrapped=(method == "PUT"))
        with self.lock:
            now = time.monotonic()
            self._advance(now)
            unit = self._find(contract, unit_id)
            if unit.deleting:
                raise ApiError(422, "[VDC-21-2] The backup unit is being deleted")
            # Today's API takes updates without a name (ionosctl, Terraform and crossplane send none); a different one is refused.
            if "name" in properties and properties["name"] != unit.name:
                raise ApiError(422, "[VDC-21-3] The name of a backup unit cannot be changed "
                                    "(it is '%s')" % unit.name)
            undo = (unit.name, unit.email, unit.password_sha256)
            if method == "PUT":
                unit.email = properties.get("email")
            elif "email" in properties:
                unit.email = properties["email"]
            if "password" in properties:
                unit.password_sha256 = _sha256(properties["password"])
            unit.modified = utc_now_iso()
            unit.modified_by = self.username
            unit.stale = unit.stale or self.config["stale_single_get"]
            unit.changed()
            request = self._enqueue(method, unit, self._take_fail_message(), undo, now)
            return unit.to_api(self.user_id), request.id, unit.etag

    def delete_unit(self, contract, unit_id):
        with self.lock:
            now = time.monotonic()
            self._advance(now)
            unit = self._find(contract, unit_id)
            if unit.deleting:
                raise ApiError(422, "[VDC-21-2] The backup unit is being deleted")
            unit.deleting = True
            unit.changed()
            request = self._enqueue("DELETE", unit, self._take_fail_message(), None, now)
            return request.id

    def request_status(self, request_id):
        with self.lock:
            now = time.monotonic()
            self._advance(now)
            request = self.requests.get(request_id)
            if request is None or not self.config["request_tracking"]:
                raise ApiError(404, "Resource does not exist")
            return request.status_object(now), request.etag


def contracts_body(contract, owner):
    """GET /contracts: a collection holding the request's contract only, the one X-Contract-Number
    selects or, without the header, the user's default. Items are whole at every depth (a contract
    has no id or href to refer to it by)."""
    properties = {"contractNumber": contract, "owner": owner, "status": "BILLABLE", "regDomain": "ionos.de",
                  "resourceLimits": CONTRACT_RESOURCE_LIMITS}
    return {"id": "contracts", "type": "collection", "href": Href("/contracts"),
            "items": [{"type": "contract", "properties": properties}]}


def _validate_rate_limit(value):
    if value is None:
        return None
    _check(isinstance(value, dict) and set(value) <= {"per_minute", "burst"},
           "rate_limit must be {\"per_minute\": N, \"burst\": N} or null")
    per_minute = value.get("per_minute")
    burst = per_minute if value.get("burst") is None else value["burst"]  # no burst: the per-minute rate
    _check(_is_int(per_minute, 1), "rate_limit.per_minute must be a positive integer")
    _check(_is_int(burst, 1), "rate_limit.burst must be a positive integer")
    return {"per_minute": per_minute, "burst": burst}


def _validate_chaos(value):
    if value is None:
        return None
    _check(isinstance(value, dict), "chaos must be {\"rate\": R, \"actions\": [...], \"seed\": S} or null")
    rate, actions, seed = value.get("rate"), value.get("actions"), value.get("seed")
    _check(_is_number(rate) and rate <= 1, "chaos.rate must be a number between 0 and 1")
    _check(isinstance(actions, list) and actions, "chaos.actions must be a non-empty list of fault actions")
    actions = [_validate_fault_action(a, "chaos.actions[%d]" % i) for i, a in enumerate(actions)]
    _check(seed is None or _is_int(seed, -2 ** 63), "chaos.seed must be an integer or null")
    return {"rate": float(rate), "actions": actions, "seed": seed}


def _validated(valid, message):
    def validate(value):
        _check(valid(value), message)
        return value
    return validate


# Each config key's validator returns the value to store, or raises ControlError.
CONFIG_VALIDATORS = {
    "provisioning_delay": _validated(_is_number, "provisioning_delay must be a non-negative number"),
    "request_tracking": _validated(lambda v: isinstance(v, bool), "request_tracking must be true or false"),
    "stale_single_get": _validated(lambda v: isinstance(v, bool), "stale_single_get must be true or false"),
    "fail_next_write": _validated(lambda v: v is None or isinstance(v, str), "fail_next_write must be a message or null"),
    "contracts": _validated(lambda v: isinstance(v, list) and v and all(_is_int(n, 1) for n in v),
                            "contracts must be a non-empty list of positive integers (the first is the default)"),
    "rate_limit": _validate_rate_limit,
    "chaos": _validate_chaos,
}
CONTROL_ROUTES = {"/reset": ("POST",), "/log": ("GET", "DELETE"), "/faults": ("GET", "POST", "DELETE"),
                  "/config": ("GET", "PATCH"), "/units": ("GET",), "/sso-tokens": ("GET",)}


def validated_config(changes):
    """Changes to the config (PATCH /_emulator/config, or the flags at start-up), checked; raises ControlError."""
    _check(isinstance(changes, dict), "the configuration must be an object")
    for key in changes:
        _check(key in CONFIG_VALIDATORS, "unknown configuration key %r" % key)
    return {key: CONFIG_VALIDATORS[key](value) for key, value in changes.items()}


def _unit_properties(body, wrapped):
    """Validated properties of a POST/PUT body ({"properties": {...}}) or a PATCH body (bare)."""
    prefix = "(root).properties" if wrapped else "(root)"
    if not isinstance(body, dict):
        raise ApiError(422, "[(root)] Invalid type. Expected: object")
    properties = body.get("properties") if wrapped else body
    if wrapped and not isinstance(properties, dict):
        raise ApiError(422, "[(root).properties] " + ("Attribute is required" if properties is None
                                                      else "Invalid type. Expected: object"))
    for key, value in properties.items():
        if key not in UNIT_PROPERTY_NAMES:
            raise ApiError(422, "[%s.%s] Attribute is not allowed" % (prefix, key))
        if not isinstance(value, str):
            raise ApiError(422, "[%s.%s] Invalid type. Expected: string, given: %s" % (prefix, key, JSON_TYPES[type(value)]))
    if "name" in properties and not properties["name"].strip():
        raise ApiError(422, "[%s.name] Attribute must not be empty" % prefix)
    if "password" in properties and not properties["password"]:
        raise ApiError(422, "[%s.password] Attribute must not be empty" % prefix)
    return properties


# -- HTTP -------------------------------------------------------------------------------------------

# The emulated paths below the API prefix, each with its methods (another one is answered 405 with Allow).
ROUTES = (
    (re.compile(r"^/backupunits$"), ("GET", "POST")),
    (re.compile(r"^/backupunits/([^/]+)$"), ("GET", "PUT", "PATCH", "DELETE")),
    (re.compile(r"^/backupunits/([^/]+)/ssourl$"), ("GET",)),
    (re.compile(r"^/contracts$"), ("GET",)),
    (re.compile(r"^/requests/([^/]+)/status$"), ("GET",)),
)


class DropConnection(Exception):
    """Close the connection without sending an answer."""


class Response:
    __slots__ = ("status", "body", "headers")

    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body          # bytes or None
        self.headers = headers or {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IONOS-Cloud-API-Emulator/1.0"

    def version_string(self):
        return self.server_version
    # An idle keep-alive connection is closed after this many seconds, so threads do not pile up.
    timeout = 120

    # -- plumbing -------------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        if self.server.verbose:
            sys.stderr.write("emulator: %s - %s\n" % (self.address_string(), format % args))

    def handle(self):
        try:
            super().handle()
        except OSError:
            # A client that disconnects (or a TLS client that gives up) is not our problem.
            self.close_connection = True

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # Every method goes through dispatch(): one the path does not support gets 405 in the envelope.
    def do_GET(self):  # noqa: N802 - the base class's naming
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    @property
    def state(self):
        return self.server.state

    def base_url(self):
        host = self.headers.get("Host")
        if not host:
            host_ip, port = self.server.server_address[:2]
            host = ("[%s]" % host_ip if ":" in host_ip else host_ip) + ":%d" % port
        return "%s://%s%s" % (self.server.scheme, host, API_PREFIX)

    def send(self, response):
        body = response.body or b""  # no body (a DELETE's 202): no Content-Type either
        self.send_response(response.status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def dispatch(self):
        # Read the body first, whatever the answer: an unread body would corrupt the next request on this
        # keep-alive connection. No client of the emulator sends chunked bodies.
        try:
            length = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(length) if length > 0 else b""
        except ValueError:
            self.close_connection = True
            return
        split = urlsplit(self.path)
        path = split.path
        try:
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                self.handle_api(path, split.query)
            elif path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                self.handle_control(path[len(CONTROL_PREFIX):])
            else:
                self.send(Response(404, error_body(404, "Resource does not exist", True)))
        except DropConnection:
            self.close_connection = True
        except (ConnectionError, socket.timeout, ssl.SSLError):
            raise
        except Exception:  # a bug in the emulator must not look like a hung API
            if self.server.verbose:
                import traceback
                traceback.print_exc()
            self.close_connection = True
            try:
                self.send(Response(500, error_body(500, "[VDC-5-0] Emulator error", True)))
            except OSError:
                pass

    # -- the API --------------------------------------------------------------------------------

    def handle_api(self, path, raw_query):
        method = self.command
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        contract_header = (self.headers.get("X-Contract-Number") or "").strip()
        contracts = self.state.config["contracts"]
        contract, contract_error = contracts[0], None  # no header: the user's (first) contract, the same units as its number
        if contract_header:
            try:
                contract = int(contract_header)
            except ValueError:
                contract, contract_error = None, (400, "X-Contract-Number must be an integer")
            else:
                if contract not in contracts:
                    contract_error = (403, "The user has no access to contract %d" % contract)
        base = self.base_url()
        # The log entry is written before the answer goes out, so a client that has its answer
        # always finds its request in the log.
        recorded = []

        def record(status):
            recorded.append(status)
            self.state.record(method, path, query, status, contract)

        try:
            fault = self.state.pick_fault(method, path) or {"action": None}
            if fault["action"] == "drop":
                record(None)
                raise DropConnection()
            if fault["action"] == "delay":
                time.sleep(float(fault["seconds"]))
            headers, retry_after = self.state.rate_check()
            if fault["action"] == "status":
                if fault["status"] == 429:
                    headers["Retry-After"] = fault.get("retry_after", 1)
                response = Response(fault["status"], error_body(fault["status"], fault.get("message"), True), headers)
            elif retry_after is not None:
                headers["Retry-After"] = retry_after
                response = Response(429, error_body(429, "Too many requests, retry after %d s" % retry_after,
                                                    _pretty_of(query)), headers)
            else:
                response = self.api_response(method, path[len(API_PREFIX):], query, contract, contract_error, base)
                response.headers.update(headers)
            if fault["action"] == "apply_then_drop":
                record(None)
                raise DropConnection()
            record(response.status)
            self.send(response)
        finally:
            if not recorded:  # an emulator bug: still log the request
                record(500)

    def api_response(self, method, path, query, contract, contract_error, base):
        pretty = True
        try:
            if not self.authorized():
                return Response(401, error_body(401, "Unauthorized", _pretty_of(query)))
            pretty = parse_pretty(query)
            if contract_error:
                raise ApiError(*contract_error)
            return self.route(method, path.rstrip("/"), query, contract, pretty, base)
        except ApiError as exc:
            return Response(exc.status, error_body(exc.status, exc.message, pretty), exc.headers)

    def authorized(self):
        header = self.headers.get("Authorization") or ""
        scheme, _space, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeError, ValueError):
                return False
            user, sep, password = decoded.partition(":")
            return bool(sep) and secrets.compare_digest(user.encode(), self.state.username.encode()) \
                and secrets.compare_digest(password.encode(), self.state.password.encode())
        if scheme.lower() == "bearer":
            return secrets.compare_digest(value.encode(), self.state.token.encode())
        return False

    def route(self, method, path, query, contract, pretty, base):
        for pattern, allowed in ROUTES:
            match = pattern.match(path)
            if match:
                break
        else:
            raise ApiError(404, "Resource does not exist")
        if method not in allowed:
            raise ApiError(405, "Method Not Allowed", {"Allow": ", ".join(allowed)})
        state, ident = self.state, match.group(1) if pattern.groups else None
        if path.endswith("/ssourl"):  # the one operation without a depth parameter
            return Response(200, finish(render({"ssoUrl": state.sso_url(contract, ident)}, pretty), base))
        depth = parse_depth(query)
        if path == "/contracts":
            return Response(200, finish(render(contracts_body(contract, state.username), pretty), base))
        if path == "/backupunits" and method == "GET":
            return Response(200, finish(state.list_units(contract, depth >= 1, pretty), base))
        if method == "DELETE":
            return Response(202, None, {"Location": "%s/requests/%s/status" % (base, state.delete_unit(contract, ident))})
        headers, status = {}, 200
        if path.startswith("/requests/"):
            data, etag = state.request_status(ident)
            text = render(data, pretty)
        elif method == "GET":
            text, etag = state.get_unit(contract, ident, pretty)
        else:
            if method == "POST":
                unit, request_id, etag = state.create_unit(contract, self.json_body())
            else:
                unit, request_id, etag = state.update_unit(contract, ident, self.json_body(), method)
            text, status, headers = render(unit, pretty), 202, {"Location": "%s/requests/%s/status" % (base, request_id)}
        if "depth" not in query:  # single objects carry their etag, unless depth is given
            headers["ETag"] = '"%s"' % etag
        return Response(status, finish(text, base), headers)

    def json_body(self):
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = self.body
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiError(415, "Unsupported Media Type: the request body must be application/json")
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeError):
            raise ApiError(400, "The request body could not be parsed as JSON")

    # -- the control API ------------------------------------------------------------------------

    def handle_control(self, sub):
        try:
            result, status = self.state.control(self.command, sub.rstrip("/") or "/", self.control_json), 200
        except ControlError as exc:
            result, status = {"error": str(exc)}, 400
        except ApiError as exc:
            result, status = {"error": exc.message}, exc.status
        self.send(Response(status, json.dumps(result).encode("utf-8")))

    def control_json(self):
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else {}
        except (ValueError, UnicodeError):
            raise ControlError("the body must be JSON")


def parse_pretty(query):
    value = query.get("pretty", "true")
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ApiError(400, "[(root).pretty] Invalid value '%s'. Expected: true or false" % value)


def _pretty_of(query):
    try:
        return parse_pretty(query)
    except ApiError:
        return True


def parse_depth(query):
    value = query.get("depth", "0")
    try:
        depth = int(value.strip())
    except ValueError:
        raise ApiError(400, "[(root).depth] Invalid value '%s'. Expected: integer" % value)
    if not 0 <= depth <= 10:
        raise ApiError(422, "[(root).depth] Value %d out of range. Expected: 0 to 10" % depth)
    return depth


def error_body(status, message, pretty):
    code, usual_message = ERRORS.get(status, (str(status), "Error"))
    return render({"httpStatus": status, "messages": [{"errorCode": code, "message": message or usual_message}]}, pretty).encode("utf-8")


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, state, verbose, ssl_context=None):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state, self.verbose, self.ssl_context = state, verbose, ssl_context
        self.scheme = "https" if ssl_context else "http"
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # The handshake happens in the handler thread (on first read), not in the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def integer_list(text):
    return [int(part) for part in text.split(",")]


def parse_args(argv):
    parser = argparse.ArgumentParser(description="IONOS Cloud API v6 backup-unit emulator (see docs/emulator.md)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--username", default="emulator-user", help="Basic auth user (default %(default)s)")
    parser.add_argument("--password", default="emulator-password", help="Basic auth password (default %(default)s)")
    parser.add_argument("--token", default="emulator-token", help="Bearer token (default %(default)s)")
    parser.add_argument("--provisioning-delay", type=float, default=DEFAULT_CONFIG["provisioning_delay"],
                        help="seconds a write keeps its unit BUSY; 0 (default) finishes it before the answer")
    parser.add_argument("--request-tracking", dest="request_tracking", action="store_true", default=False,
                        help="track requests on /requests/... (QUEUED, RUNNING, DONE), as the 2023 document says")
    parser.add_argument("--no-request-tracking", dest="request_tracking", action="store_false",
                        help="answer 404 on /requests/..., as today's API does for backup units (default)")
    parser.add_argument("--stale-single-get", dest="stale_single_get", action="store_true", default=False,
                        help="after a write, GET /backupunits/{id} answers BUSY without properties (Terraform #641)")
    parser.add_argument("--no-stale-single-get", dest="stale_single_get", action="store_false")
    parser.add_argument("--contracts", type=integer_list, default=DEFAULT_CONFIG["contracts"], metavar="N[,N...]",
                        help="the user's contract numbers; the first is the default (default %s)"
                        % ",".join(map(str, DEFAULT_CONFIG["contracts"])))
    parser.add_argument("--rate-limit", type=int, default=None, metavar="PER_MINUTE",
                        help="allow this many requests per minute on average (default: unlimited)")
    parser.add_argument("--rate-burst", type=int, default=None, metavar="N",
                        help="allow bursts of N requests (default: the per-minute rate)")
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    parser.add_argument("--no-verbose", dest="verbose", action="store_false")
    args = parser.parse_args(argv)
    if args.rate_burst is not None and args.rate_limit is None:
        parser.error("--rate-burst needs --rate-limit")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rate_limit = None if args.rate_limit is None else {"per_minute": args.rate_limit, "burst": args.rate_burst}
    try:  # the flags' values are checked as the control API checks its config
        state = EmulatorState(args.username, args.password, args.token, provisioning_delay=args.provisioning_delay,
                              request_tracking=args.request_tracking, stale_single_get=args.stale_single_get,
                              contracts=args.contracts, rate_limit=rate_limit)
    except ControlError as exc:
        sys.stderr.write("emulator: bad flag value: %s\n" % exc)
        return 2
    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
        except OSError as exc:  # ssl.SSLError too
            sys.stderr.write("emulator: cannot load the TLS certificate or key: %s\n" % exc)
            return 2
    try:
        server = EmulatorServer((args.host, args.port), state, args.verbose, ssl_context)
    except OSError as exc:
        sys.stderr.write("emulator: cannot listen on %s:%d: %s\n" % (args.host, args.port, exc))
        return 2

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    host, port = server.server_address[:2]
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # an address a client can reach
    sys.stdout.write("%s://%s:%d%s\n" % (server.scheme, "[%s]" % host if ":" in host else host, port, API_PREFIX))
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
