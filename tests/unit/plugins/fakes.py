# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test doubles for the HTTP layer: a scripted session, a fake clock and a small in-memory API.

The client under test talks to these through the same `session.request(...)` call it makes on
a real requests.Session, so everything above the socket is exercised. `module_runner` drives a
module's main() over that fake API and checks that no secret reaches its result.

Importable (unlike conftest, which pytest loads under a name of its own), so tests can name
ModuleExit and the other doubles; conftest.py turns them into fixtures.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client


class FakeResponse:
    def __init__(self, status=200, body=None, headers=None, text=None, reason=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        if text is None:
            text = '' if body is None else json.dumps(body)
        self.text = text
        self.reason = reason or {200: 'OK', 202: 'Accepted', 404: 'Not Found', 429: 'Too Many Requests',
                                 500: 'Internal Server Error', 502: 'Bad Gateway',
                                 503: 'Service Unavailable', 504: 'Gateway Timeout'}.get(status, 'Error')


def api_error(status, code, message):
    return FakeResponse(status, {'httpStatus': status, 'messages': [{'errorCode': code, 'message': message}]})


class Call:
    def __init__(self, method, url, kwargs, headers):
        self.method = method
        self.url = url
        self.path = urlsplit(url).path
        self.params = kwargs.get('params') or {}
        self.body = json.loads(kwargs['data']) if kwargs.get('data') else None
        self.timeout = kwargs.get('timeout')
        self.verify = kwargs.get('verify')
        self.headers = dict(headers)
        self.headers.update(kwargs.get('headers') or {})


class ScriptedSession:
    """Answers each request with the next scripted item: a FakeResponse, or an exception to raise."""

    def __init__(self, *script):
        self.script = list(script)
        self.headers = {}
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append(Call(method, url, kwargs, self.headers))
        if not self.script:
            raise AssertionError('unexpected request %s %s' % (method, url))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


class FakeClock:
    """monotonic time that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

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

    def __init__(self, track_requests=True, polls_until_done=1):
        self.units = {}
        self.headers = {}
        self.calls = []
        self.faults = []
        self.track_requests = track_requests
        self.polls_until_done = polls_until_done
        self.requests = {}
        self.request_outcome = 'DONE'
        self.request_message = None
        self.created_state = 'AVAILABLE'    # the state a POSTed unit reaches ('BUSY': it never settles)
        self.answered_state = 'BUSY'        # the state a write's 202 body shows ('AVAILABLE' since 2025)
        self.stale_single_get = False       # Terraform #641: the single GET answers BUSY without properties
        # Fake seconds a DELETE takes. Meanwhile the unit shows BUSY (as the emulator does) and another
        # DELETE or a PATCH gets the API's 422 "being deleted"; 0 deletes at once.
        self.delete_seconds = 0.0
        self.deleting = {}                  # unit id -> fake time its deletion completes
        self.clock = None                   # set by the fake_api fixture

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
            if actions and fault_method in (method, '*') and pattern.search(call.path):
                action = actions.pop(0)
                if isinstance(action, tuple) and action[0] == 'apply_then_raise':
                    self._answer(call)
                    raise action[1]
                if isinstance(action, BaseException):
                    raise action
                return action
        return self._answer(call)

    def summary(self):
        return ['%s %s' % (call.method, call.path.replace('/cloudapi/v6', '')) for call in self.calls]

    def _public(self, unit):
        unit = copy.deepcopy(unit)
        unit['properties'].pop('password', None)
        return unit

    def _accepted(self, body=None):
        request_id = str(uuid.uuid4())
        self.requests[request_id] = 0
        return FakeResponse(202, body, {'Location': '%s/requests/%s/status' % (self.BASE, request_id)})

    def _now(self):
        return self.clock() if self.clock is not None else 0.0

    def _finish_deletes(self):
        for unit_id, due in list(self.deleting.items()):
            if self._now() >= due:
                del self.deleting[unit_id]
                self.units.pop(unit_id, None)

    def _answer(self, call):
        self._finish_deletes()
        path = call.path[len('/cloudapi/v6'):]
        match = re.match(r'^/requests/([-0-9a-f]+)/status$', path)
        if match and call.method == 'GET':
            if not self.track_requests or match.group(1) not in self.requests:
                return api_error(404, '309', 'Resource does not exist')
            self.requests[match.group(1)] += 1
            done = self.requests[match.group(1)] >= self.polls_until_done
            status = self.request_outcome if done else 'RUNNING'
            return FakeResponse(200, {'id': match.group(1), 'type': 'request-status',
                                      'metadata': {'status': status, 'message': self.request_message}})
        if path == '/backupunits' and call.method == 'GET':
            return FakeResponse(200, {'id': 'backupunits', 'type': 'collection',
                                      'items': [self._public(u) for u in self.units.values()]})
        if path == '/backupunits' and call.method == 'POST':
            properties = call.body['properties']
            unit_id = self.add_unit(properties['name'], properties.get('email'), state='BUSY')
            self.units[unit_id]['properties']['password'] = properties.get('password')
            self.units[unit_id]['metadata']['state'] = self.created_state
            answer = self._public(self.units[unit_id])
            answer['metadata']['state'] = self.answered_state
            return self._accepted(answer)
        match = re.match(r'^/backupunits/([-0-9a-f]+)(/ssourl)?$', path)
        if match:
            unit = self.units.get(match.group(1))
            if unit is None:
                return api_error(404, '309', 'Resource does not exist')
            if match.group(2):
                return FakeResponse(200, {'ssoUrl': 'https://backup.example.test/?jwt=sso-secret'})
            if call.method == 'GET' and self.stale_single_get:
                return FakeResponse(200, {'id': unit['id'], 'type': 'backupunit', 'href': unit['href'],
                                          'metadata': {'etag': unit['metadata']['etag'], 'state': 'BUSY'}})
            if call.method == 'GET':
                return FakeResponse(200, self._public(unit))
            if call.method in ('PATCH', 'DELETE') and match.group(1) in self.deleting:
                return api_error(422, '200', '[VDC-21-2] The backup unit is being deleted')
            if call.method == 'PATCH':
                if call.body.get('name', unit['properties']['name']) != unit['properties']['name']:
                    return api_error(422, '200', '[(root).name] Attribute is immutable')
                unit['properties'].update(call.body)
                unit['metadata']['etag'] = uuid.uuid4().hex
                answer = self._public(unit)
                answer['metadata']['state'] = self.answered_state
                return self._accepted(answer)
            if call.method == 'DELETE':
                if self.delete_seconds:
                    self.deleting[match.group(1)] = self._now() + self.delete_seconds
                    unit['metadata']['state'] = 'BUSY'
                else:
                    del self.units[match.group(1)]
                return self._accepted()
        return api_error(405, '405', 'unsupported %s %s' % (call.method, path))


# The API user's password, as every module test passes it by default.
API_PASSWORD = 's3cret-pw'


class ModuleExit(Exception):
    """Raised in place of AnsibleModule.exit_json/fail_json: .result is what the module returned."""

    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


def install_fake_api(monkeypatch):
    """A FakeApi that every ApiClient created by a module uses; sleeping is instantaneous."""
    api = FakeApi()
    monkeypatch.setattr(_client.requests, 'Session', lambda: api)
    clock = FakeClock()
    fake_time = type('FakeTime', (), {'sleep': staticmethod(clock.sleep), 'monotonic': staticmethod(clock),
                                      'time': staticmethod(_client.time.time)})
    monkeypatch.setattr(_client, 'time', fake_time)
    api.clock = clock
    return api


# Builders for scripted answers: Http.response(...), Http.error(status, code, message).
Http = type('Http', (), {'response': staticmethod(FakeResponse), 'error': staticmethod(api_error),
                         'exceptions': requests.exceptions})


def client_factory(clock):
    """make(*script, **client_kwargs) -> (client, session), with time and jitter faked."""
    def make(*script, **kwargs):
        session = ScriptedSession(*script)
        options = dict(api_url='https://api.example.test/cloudapi/v6', username='alice', password=API_PASSWORD,
                       session=session, sleep=clock.sleep, clock=clock, jitter=lambda: 1.0)
        options.update(kwargs)
        return _client.ApiClient(**options), session
    return make


def module_runner(monkeypatch, fake_api):
    """module_runner(...)(main, secrets=(), check=None) -> run(**module_args) -> ModuleExit.

    run() calls `main` with the default connection options (FakeApi's URL, alice/API_PASSWORD)
    updated by module_args. The outcome has .result and .failed; .warnings collects every
    module.warn() of the test so far. API_PASSWORD and each of `secrets` must not appear anywhere in
    the result; `check(outcome)` then makes the module's own assertions. run.api is the fake_api.
    """
    warnings = []

    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: warnings.append(text))

    def make_runner(main, secrets=(), check=None):
        def run(**args):
            params = dict(api_url=FakeApi.BASE, username='alice', password=API_PASSWORD)
            params.update(args)
            with patch_module_args(params):
                with pytest.raises(ModuleExit) as caught:
                    main()
            outcome = caught.value
            outcome.warnings = list(warnings)
            text = json.dumps(outcome.result)
            for secret in (API_PASSWORD,) + tuple(secrets):
                assert secret not in text
            if check is not None:
                check(outcome)
            return outcome

        run.api = fake_api
        return run

    return make_runner
