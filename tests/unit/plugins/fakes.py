# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test doubles behind the `session.request(...)` call the client makes on a real requests.Session.

Importable (unlike conftest, which pytest loads under a name of its own), so tests can name
ModuleExit and the other doubles; conftest.py turns them into fixtures.
"""

from __future__ import annotations

import copy
import json
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

    `faults` maps (METHOD, path regex) to a list of actions consumed in order:
    a FakeResponse, an exception, or ('apply_then_raise', exception).
    """

    BASE = 'https://api.example.test/cloudapi/v6'

    def __init__(self, clock):
        self.clock, self.units, self.headers, self.calls, self.faults, self.requests = clock, {}, {}, [], [], {}
        self.track_requests, self.polls_until_done = True, 1
        self.request_outcome, self.request_message = 'DONE', None
        self.created_state = 'AVAILABLE'    # the state a POSTed unit reaches ('BUSY': it never settles)
        self.answered_state = 'BUSY'        # the state a write's 202 body shows ('AVAILABLE' since 2025)
        self.stale_single_get = False       # Terraform #641: the single GET answers BUSY without properties
        # Fake seconds a DELETE takes. Meanwhile the unit shows BUSY (as the emulator does) and another
        # DELETE or a PATCH gets the API's 422 "being deleted"; 0 deletes at once.
        self.delete_seconds = 0.0
        self.deleting = {}                  # unit id -> fake time its deletion completes
        self.contract_number = 31721234     # the user's contract, as GET /contracts shows it

    def add_fault(self, method, path, *actions):
        self.faults.append((method, re.compile(path), list(actions)))

    def add_unit(self, name, email=None, state='AVAILABLE'):
        unit_id = str(uuid.uuid4())
        self.units[unit_id] = {
            'id': unit_id, 'type': 'backupunit', 'href': '%s/backupunits/%s' % (self.BASE, unit_id),
            'metadata': {'etag': uuid.uuid4().hex, 'state': state},
            'properties': {'name': name, 'email': email, 'password': 'stored-secret'}}
        return unit_id

    def request(self, method, url, **kwargs):
        call = Call(method, url, kwargs, self.headers)
        self.calls.append(call)
        for fault_method, pattern, actions in self.faults:
            if actions and fault_method == method and pattern.search(call.path):
                action = actions.pop(0)
                if isinstance(action, tuple):       # ('apply_then_raise', exception)
                    self._answer(call)
                    raise action[1]
                if isinstance(action, BaseException):
                    raise action
                return action
        return self._answer(call)

    def summary(self):
        return ['%s %s' % (call.method, call.path.replace('/cloudapi/v6', '')) for call in self.calls]

    def sent(self, method):
        return [line for line in self.summary() if line.startswith(method + ' ')]

    def _public(self, unit, state=None):
        unit = copy.deepcopy(unit)
        del unit['properties']['password']
        unit['metadata']['state'] = state or unit['metadata']['state']
        return unit

    def _accepted(self, unit=None):
        request_id = str(uuid.uuid4())
        self.requests[request_id] = 0
        body = None if unit is None else self._public(unit, self.answered_state)
        return FakeResponse(202, body, {'Location': '%s/requests/%s/status' % (self.BASE, request_id)})

    def _answer(self, call):
        for unit_id, due in list(self.deleting.items()):
            if self.clock() >= due:
                del self.deleting[unit_id]
                self.units.pop(unit_id, None)
        if not call.path.startswith('/cloudapi/v6/'):
            return api_error(404, '309', 'Resource does not exist')
        path = call.path[len('/cloudapi/v6'):]
        match = re.match(r'^/requests/([-0-9a-f]+)/status$', path)
        if match:
            if not self.track_requests or match.group(1) not in self.requests:
                return api_error(404, '309', 'Resource does not exist')
            self.requests[match.group(1)] += 1
            done = self.requests[match.group(1)] >= self.polls_until_done
            return FakeResponse(200, {'id': match.group(1), 'type': 'request-status', 'metadata': {
                'status': self.request_outcome if done else 'RUNNING', 'message': self.request_message}})
        if path == '/contracts' and call.method == 'GET':
            return FakeResponse(200, {'type': 'collection', 'items': [
                {'type': 'contract', 'properties': {'contractNumber': self.contract_number, 'status': 'BILLABLE'}}]})
        if path == '/backupunits' and call.method == 'GET':
            return FakeResponse(200, {'id': 'backupunits', 'type': 'collection',
                                      'items': [self._public(u) for u in self.units.values()]})
        if path == '/backupunits' and call.method == 'POST':
            properties = call.body['properties']
            unit_id = self.add_unit(properties['name'], properties.get('email'), state=self.created_state)
            self.units[unit_id]['properties']['password'] = properties.get('password')
            return self._accepted(self.units[unit_id])
        match = re.match(r'^/backupunits/([-0-9a-f]+)(/ssourl)?$', path)
        unit = self.units.get(match.group(1)) if match else None
        if match and unit is None:
            return api_error(404, '309', 'Resource does not exist')
        if match and match.group(2):
            return FakeResponse(200, {'ssoUrl': 'https://backup.example.test/?jwt=sso-secret'})
        if match and call.method == 'GET':
            if self.stale_single_get:
                return FakeResponse(200, {'id': unit['id'], 'type': 'backupunit', 'href': unit['href'],
                                          'metadata': {'etag': unit['metadata']['etag'], 'state': 'BUSY'}})
            return FakeResponse(200, self._public(unit))
        if match and call.method in ('PATCH', 'DELETE') and unit['id'] in self.deleting:
            return api_error(422, '200', '[VDC-21-2] The backup unit is being deleted')
        if match and call.method == 'PATCH':
            if call.body.get('name', unit['properties']['name']) != unit['properties']['name']:
                return api_error(422, '200', '[(root).name] Attribute is immutable')
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


def install_fake_api(monkeypatch):
    clock = FakeClock()
    api = FakeApi(clock)
    monkeypatch.setattr(_client.requests, 'Session', lambda: api)
    monkeypatch.setattr(_client, 'time', type('FakeTime', (), {
        'sleep': staticmethod(clock.sleep), 'monotonic': staticmethod(clock), 'time': staticmethod(_client.time.time)}))
    return api


# The connection options every faked client and module run starts from.
CONNECTION = dict(api_url=FakeApi.BASE, username='alice', password=API_PASSWORD)


def client_factory(clock):
    def make(*script, **kwargs):
        session = ScriptedSession(*script)
        options = dict(CONNECTION, session=session, sleep=clock.sleep, clock=clock, jitter=lambda: 1.0)
        return _client.ApiClient(**dict(options, **kwargs)), session
    return make


def module_runner(monkeypatch, fake_api):
    """module_runner(...)(main, secrets=(), check=None) -> run(**module_args) -> ModuleExit.

    run() calls `main` with the default connection options (FakeApi's URL, alice/API_PASSWORD)
    updated by module_args. The outcome has .result and .failed; .warnings collects every
    module.warn() of the test so far. API_PASSWORD and each of `secrets` must not appear anywhere in
    the result; `check(outcome)` then makes the module's own assertions. run.api is the fake_api.
    """
    warnings = []

    def leave(failed):
        def method(self, **result):
            raise ModuleExit(result, failed)
        return method

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', leave(False))
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', leave(True))
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))

    def make_runner(main, secrets=(), check=None):
        def run(**args):
            with patch_module_args(dict(CONNECTION, **args)):
                with pytest.raises(ModuleExit) as caught:
                    main()
            outcome = caught.value
            outcome.warnings = list(warnings)
            for secret in (API_PASSWORD,) + tuple(secrets):
                assert secret not in json.dumps(outcome.result)
            if check is not None:
                check(outcome)
            return outcome

        run.api = fake_api
        return run

    return make_runner
