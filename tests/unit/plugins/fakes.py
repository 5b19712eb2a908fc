# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test doubles behind the `session.request(...)` call the client makes on a real requests.Session.

Importable (unlike conftest, which pytest loads under a name of its own), so tests can name
ModuleExit and the other doubles; conftest.py turns them into fixtures.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import re
import uuid
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client

# The API user's password, as every client and module test passes it by default.
API_PASSWORD = 's3cret-pw'


class FakeResponse:
    def __init__(self, status=200, body=None, headers=None, text=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        self.text = ('' if body is None else json.dumps(body)) if text is None else text
        self.reason = HTTPStatus(status).phrase


def api_error(status, code, message):
    return FakeResponse(status, {'httpStatus': status, 'messages': [{'errorCode': code, 'message': message}]})


# Builders for scripted answers: Http.response(...), Http.error(status, code, message).
Http = type('Http', (), {'response': FakeResponse, 'error': staticmethod(api_error), 'exceptions': requests.exceptions})


class Call:
    def __init__(self, method, url, kwargs, headers):
        self.method, self.url, self.path = method, url, urlsplit(url).path
        self.params = kwargs.get('params') or {}
        self.body = json.loads(kwargs['data']) if kwargs.get('data') else None
        self.timeout, self.verify = kwargs.get('timeout'), kwargs.get('verify')
        self.headers = dict(headers, **(kwargs.get('headers') or {}))


class ScriptedSession:
    """Answers each request with the next scripted item: a FakeResponse, or an exception to raise."""

    def __init__(self, *script):
        self.script, self.headers, self.calls = list(script), {}, []

    def request(self, method, url, **kwargs):
        self.calls.append(Call(method, url, kwargs, self.headers))
        assert self.script, 'unexpected request %s %s' % (method, url)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


class FakeClock:
    """monotonic time that only moves when the code under test sleeps."""

    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class FakeApi:
    """A small stateful stand-in for the backup-unit API, behind the session interface.

    A unit's id is its name after 'id-' ('id-web', then 'id-web-2' for a second unit named web), a request's
    four hex digits counting the writes ('0001'), so tables can name both. Every read of units or contracts
    must ask depth=1 (the lowest depth whose list items carry properties and metadata); no other request
    sends a depth (the ssourl operation documents none).
    """

    BASE = 'https://api.example.test/cloudapi/v6'
    CONTRACT_NUMBER = 31721234          # the user's contract, as GET /contracts shows it

    def __init__(self, clock):
        self.clock, self.units, self.headers, self.calls, self.faults, self.requests = clock, {}, {}, [], [], []
        self.named = collections.Counter()  # name -> how many units were made with it
        self.track_requests = True          # False: status URLs answer 404, as the API does for backup units today
        self.request_metadata = {'status': 'DONE'}     # what every tracked request's status URL answers
        self.created_state = 'AVAILABLE'    # the state a POSTed unit reaches ('BUSY': it never settles)
        self.answered_state = 'BUSY'        # the state a write's 202 body shows ('AVAILABLE' since 2025)
        self.stale_single_get = False       # Terraform #641: the single GET answers BUSY without properties
        # Fake seconds a DELETE takes. Meanwhile the unit shows BUSY (as the emulator does) and another
        # DELETE or a PATCH gets the API's 422 "being deleted"; 0 deletes at once.
        self.delete_seconds = 0.0
        self.deleting = {}                  # unit id -> fake time its deletion completes

    def add_fault(self, method, path, *actions):
        """Answer the next requests to `method` on a path matching the regex `path` with `actions`, in order:
        a FakeResponse, an exception to raise, ('apply_then_raise', exception) or ('show_state', STATE):
        the usual answer, with every unit in it shown in STATE."""
        self.faults.append((method, re.compile(path), list(actions)))

    def add_unit(self, name, email=None, state='AVAILABLE'):
        self.named[name] += 1
        unit_id = 'id-%s%s' % (name, '-%d' % self.named[name] if self.named[name] > 1 else '')
        self.units[unit_id] = {
            'id': unit_id, 'type': 'backupunit', 'href': '%s/backupunits/%s' % (self.BASE, unit_id),
            'metadata': {'etag': uuid.uuid4().hex, 'state': state},
            'properties': {'name': name, 'email': email, 'password': 'stored-secret'}}
        return unit_id

    def request(self, method, url, **kwargs):
        call = Call(method, url, kwargs, self.headers)
        self.calls.append(call)
        reads = method == 'GET' and re.search(r'/(backupunits(/[^/]+)?|contracts)$', call.path)
        assert call.params == dict({'pretty': 'false'}, **({'depth': '1'} if reads else {})), (call.path, call.params)
        for fault_method, pattern, actions in self.faults:
            if actions and fault_method == method and pattern.search(call.path):
                action = actions.pop(0)
                if isinstance(action, tuple) and action[0] == 'show_state':
                    return self._answer(call, action[1])
                if isinstance(action, tuple):       # ('apply_then_raise', exception)
                    self._answer(call)
                    raise action[1]
                if isinstance(action, BaseException):
                    raise action
                return action
        return self._answer(call)

    def summary(self):
        """Every request so far as 'METHOD /path' under the API base; n times the same in a row is one line ending ' xn'."""
        lines = ['%s %s' % (call.method, call.path.replace('/cloudapi/v6', '')) for call in self.calls]
        runs = [(line, len(list(same))) for line, same in itertools.groupby(lines)]
        return [line if times == 1 else '%s x%d' % (line, times) for line, times in runs]

    def _public(self, unit, state=None):
        """The unit as the API shows it: no password, in `state` if given."""
        return dict(unit, metadata=dict(unit['metadata'], state=state or unit['metadata']['state']),
                    properties={key: value for key, value in unit['properties'].items() if key != 'password'})

    def _accepted(self, unit=None):
        self.requests.append('%04x' % (len(self.requests) + 1))
        body = None if unit is None else self._public(unit, self.answered_state)
        return FakeResponse(202, body, {'Location': '%s/requests/%s/status' % (self.BASE, self.requests[-1])})

    def _answer(self, call, shown_state=None):
        now = self.clock()
        self.units = {unit_id: unit for unit_id, unit in self.units.items() if self.deleting.get(unit_id, now + 1) > now}
        if not call.path.startswith('/cloudapi/v6/'):
            return api_error(404, '309', 'Resource does not exist')
        path = call.path[len('/cloudapi/v6'):]
        match = re.match(r'^/requests/([-0-9a-f]+)/status$', path)
        if match:
            if not self.track_requests or match.group(1) not in self.requests:
                return api_error(404, '309', 'Resource does not exist')
            return FakeResponse(200, {'id': match.group(1), 'type': 'request-status', 'metadata': self.request_metadata})
        if path == '/contracts' and call.method == 'GET':
            return FakeResponse(200, {'type': 'collection', 'items': [
                {'type': 'contract', 'properties': {'contractNumber': self.CONTRACT_NUMBER, 'status': 'BILLABLE'}}]})
        if path == '/backupunits' and call.method == 'GET':
            return FakeResponse(200, {'id': 'backupunits', 'type': 'collection',
                                      'items': [self._public(u, shown_state) for u in self.units.values()]})
        if path == '/backupunits' and call.method == 'POST':
            properties = call.body['properties']
            unit_id = self.add_unit(properties['name'], properties.get('email'), state=self.created_state)
            self.units[unit_id]['properties']['password'] = properties.get('password')
            return self._accepted(self.units[unit_id])
        match = re.match(r'^/backupunits/([^/]+)(/ssourl)?$', path)
        unit = self.units.get(match.group(1)) if match else None
        if match and unit is None:
            return api_error(404, '309', 'Resource does not exist')
        if match and match.group(2):
            return FakeResponse(200, {'ssoUrl': 'https://backup.example.test/?jwt=sso-secret'})
        if match and call.method == 'GET':
            if self.stale_single_get:
                return FakeResponse(200, {'id': unit['id'], 'type': 'backupunit', 'href': unit['href'],
                                          'metadata': {'etag': unit['metadata']['etag'], 'state': 'BUSY'}})
            return FakeResponse(200, self._public(unit, shown_state))
        if match and call.method in ('PATCH', 'DELETE') and unit['id'] in self.deleting:
            return api_error(422, '200', '[VDC-21-2] The backup unit is being deleted')
        if match and call.method == 'PATCH':
            unit['properties'].update(call.body)
            unit['metadata']['etag'] = uuid.uuid4().hex
            return self._accepted(unit)
        if match and call.method == 'DELETE':
            if self.delete_seconds:
                self.deleting[unit['id']] = self.clock() + self.delete_seconds
                unit['metadata']['state'] = 'BUSY'
            else:
                del self.units[unit['id']]
            return self._accepted()
        return api_error(405, '405', 'unsupported %s %s' % (call.method, path))


class ModuleExit(Exception):
    """Raised in place of AnsibleModule.exit_json/fail_json: .result is what the module returned."""

    def __init__(self, result, failed):
        super().__init__(result)
        self.result, self.failed = result, failed


# The connection options every faked client and module run starts from.
CONNECTION = dict(api_url=FakeApi.BASE, username='alice', password=API_PASSWORD)


def client_factory(clock):
    def make(*script, **kwargs):
        session = ScriptedSession(*script)
        options = dict(CONNECTION, session=session, sleep=clock.sleep, clock=clock, jitter=lambda: 1.0)
        return _client.ApiClient(**dict(options, **kwargs)), session
    return make


def module_runner(monkeypatch):
    """module_runner(monkeypatch)(main, secrets=()) -> run(**module_args) -> ModuleExit.

    run() calls `main` with the default connection options (FakeApi's URL, alice/API_PASSWORD) updated by
    module_args. The outcome has .result and .failed; .warnings collects every module.warn() of the test so far.
    API_PASSWORD and each of `secrets` must not appear anywhere in the result. run.api is the FakeApi behind every
    ApiClient a module makes. Sleeping is instantaneous
    and the retry backoff takes its full delays (no jitter), so the requests and sleeps of a run are always the same;
    no IONOS_* variable of the shell running the tests reaches a module.
    """
    for variable in [name for name in os.environ if name.startswith('IONOS_')]:
        monkeypatch.delenv(variable)
    clock = FakeClock()
    api = FakeApi(clock)
    monkeypatch.setattr(_client.requests, 'Session', lambda: api)
    monkeypatch.setattr(_client, 'time', type('FakeTime', (), {
        'sleep': staticmethod(clock.sleep), 'monotonic': staticmethod(clock), 'time': staticmethod(_client.time.time)}))
    monkeypatch.setattr(_client, 'random', type('NoJitter', (), {'random': staticmethod(lambda: 1.0)}))
    warnings = []

    def leave(failed):
        def method(self, **result):
            raise ModuleExit(result, failed)
        return method

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', leave(False))
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', leave(True))
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))

    def make_runner(main, secrets=()):
        def run(**args):
            with patch_module_args(dict(CONNECTION, **args)):
                with pytest.raises(ModuleExit) as caught:
                    main()
            outcome = caught.value
            outcome.warnings = list(warnings)
            for secret in (API_PASSWORD,) + tuple(secrets):
                assert secret not in json.dumps(outcome.result)
            return outcome

        run.api = api
        return run

    return make_runner


# ---- module tables --------------------------------------------------------------------------------

NOT_RETURNED = '<not returned>'     # what dig() gives for a key the result does not have
LIST, POST = 'GET /backupunits', 'POST /backupunits'
MISSING = '3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61'     # the id of no unit
# The API as it answers today: requests untracked (their status URLs answer 404), writes answered with the unit
# AVAILABLE. The rows with api=TODAY pin the request budgets of docs/performance.md section 3.
TODAY = dict(track_requests=False, answered_state='AVAILABLE')


def row(case_id, **columns):
    """One row of a module table: pytest.param(columns, id=case_id), the columns those of play()."""
    return pytest.param(columns, id=case_id)


def dig(value, path):
    """The value at the dotted `path` of a result ('backupunit.metadata.state', 'backupunits.0.id'); a '*' maps the
    rest of the path over a list ('backupunits.*.action'); NOT_RETURNED for a key that is missing."""
    keys = path.split('.', 1)
    if keys[0] == '*':
        return [dig(item, keys[1]) for item in value]
    if isinstance(value, list):
        value = value[int(keys[0])]
    else:
        value = value.get(keys[0], NOT_RETURNED)
    return dig(value, keys[1]) if len(keys) > 1 else value


def play(run, args, before=(), api=(), faults=(), failed=False, changed=None, msg=None, result=(), returned=None, sent=None, bodies=None,
         after=None, warnings=(), sleeps=None, slept=None):
    """Run a module (run from module_runner) on one row of its table, and check what the row expects.

    In: `before` the units that exist, each (name, email[, state]); `api` FakeApi attributes to set; `faults`
    (method, path regex, action, ...) each, see FakeApi.add_fault; `args` the module arguments.
    Out: `failed`; the result's `changed` and `msg`; `result` {dotted path: value} of the result (see dig);
    `returned` the whole result; `sent` every request, as FakeApi.summary() shows them; `bodies` the body of
    each request that has one; `after` {name: email} of the units that exist then; `warnings` all of them
    (none by default); `sleeps` every sleep in seconds; `slept` their total.
    """
    fake = run.api
    for unit in before:
        fake.add_unit(*unit)
    for attribute, value in dict(api).items():
        setattr(fake, attribute, value)
    for fault in faults:
        fake.add_fault(*fault)
    outcome = run(**args)
    assert outcome.failed is failed, outcome.result
    result = dict(result, **{key: value for key, value in dict(changed=changed, msg=msg).items() if value is not None})
    for path, value in result.items():
        assert dig(outcome.result, path) == value, path
    assert returned is None or outcome.result == returned
    assert sent is None or fake.summary() == sent
    assert bodies is None or [call.body for call in fake.calls if call.body is not None] == bodies
    emails = {unit['properties']['name']: unit['properties']['email'] for unit in fake.units.values()}
    assert after is None or (emails == after and len(fake.units) == len(after))
    assert outcome.warnings == list(warnings)
    assert sleeps is None or fake.clock.sleeps == sleeps
    assert slept is None or sum(fake.clock.sleeps) == pytest.approx(slept)
    return outcome
