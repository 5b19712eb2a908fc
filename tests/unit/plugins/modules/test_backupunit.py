# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit module end to end over a faked HTTP session: one row per case (see fakes.play for the columns).

A new case is one row: the units before, the arguments and the faults; the requests, the result and the units after.
"""

from __future__ import annotations

import pytest
from requests.exceptions import ConnectionError, ReadTimeout

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client, _connection
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit, backupunit_info, backupunit_sso_url, backupunits
from ansible_collections.ionoscloud.backup.tests.unit.plugins import fakes
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import LIST, MISSING, NOT_RETURNED, POST, TODAY, FakeApi, Http, play, row

UNIT_PASSWORD = 'Unit-pw-1234'
CREATE = dict(name='web', email='ops@example.com', backupunit_password=UNIT_PASSWORD)
UPDATE = dict(name='web', email='new@example.com')
ABSENT = dict(name='web', state='absent')
WEB, OLD = ('web', 'ops@example.com'), ('web', 'old@example.com')         # a unit before: name, email[, state]
OPS_AFTER, OLD_AFTER, NEW_AFTER = {'web': 'ops@example.com'}, {'web': 'old@example.com'}, {'web': 'new@example.com'}
SHOWN, UPDATED = {'name': 'web', 'email': 'ops@example.com'}, {'name': 'web', 'email': 'new@example.com'}
STATUS = 'GET /requests/0001/status'
UNIT, PATCH, DELETE = 'GET /backupunits/id-web', 'PATCH /backupunits/id-web', 'DELETE /backupunits/id-web'
FAILED_REQUEST = dict(request_metadata={'status': 'FAILED', 'message': 'no capacity'})
NEVER_DONE = dict(request_metadata={'status': 'RUNNING'}, created_state='BUSY')
STALE = dict(track_requests=False, stale_single_get=True)      # Terraform #641, the list is right
LOST = ('apply_then_raise', ConnectionError('reset'))           # the write applies, its answer is lost
ERROR_503 = Http.error(503, '503', 'Service Unavailable')
ERROR_500 = Http.error(500, '500', '[VDC-5-0] An unexpected error occurred')
NEW_PW, OLD_PW = '<new password: not shown>', '<write-only: current value not readable>'
NEXT_STEP_FAILED = 'if the unit holds no backups you need, delete it (state: absent) and create it again; otherwise ask IONOS support about it, quoting its id'
NO_NEW_PASSWORD = ("backup unit 'web': update_password is always but backupunit_password is missing or empty, so nothing would be set; "
                   "give the new password, or use update_password: on_create")
BAD_EMAIL = "backup unit 'web': email %r is not a valid email address (expected name@domain)"
BAD_EMAILS = ['not-an-email', 'ops@', 'ops@@example.com', 'ops example.com', '@example.com', 'ops@localhost', 'ops@example.', 'ops@.example.com',
              'ops@exa mple.com', ' ops@example.com', 'ops@example.com\n', '']
GOOD_EMAILS = ['first.last+reports@sub.example.co.uk', "o'brien@example.com", 'OPS@Example.COM', 'ops@xn--bcher-kva.example', 'büro@bücher.example',
               'ops@10.0.0.1']


def refused(case_id, method, status, message, args=None, before=(), sent=(LIST, POST), faults=()):
    """A row whose request `method` the API refuses for good (code 315): sent once, the module fails with the API's message."""
    hint = _client.HINTS.get(status)
    path = '/backupunits$' if method in ('GET', 'POST') else '/backupunits/'
    return row(case_id, before=before, faults=[(method, path, Http.error(status, '315', message))] + list(faults), args=args or CREATE, failed=True,
               sent=list(sent), changed=False, msg='API error %d 315: %s' % (status, message) + (' (%s)' % hint if hint else ''),
               result={'error.kind': 'api', 'error.status': status, 'error.code': '315', 'error.method': method})


def request_failed(case_id, before, args, write, next_step):
    # The API accepted the write before the request failed, so the result must not claim nothing happened.
    return row(case_id, api=FAILED_REQUEST, before=before, args=args, failed=True, sent=[LIST, write, STATUS], changed=True,
               msg="backup unit 'web' (id id-web): request 0001 failed: no capacity" + next_step,
               result={'error.kind': 'request_failed', 'error.request_id': '0001'})


def bad_input(case_id, args, message, before=(), after=None):
    return row(case_id, before=before, args=args, failed=True, sent=[], after=after or {}, changed=False, msg=message, result={'error.kind': 'input'})


def unit_shows(state=None, **properties):
    """The result fields of the returned unit: its properties (SHOWN, updated by `properties`), and its state if given."""
    fields = {'backupunit.properties': dict(SHOWN, **properties)}
    if state:
        fields['backupunit.metadata.state'] = state
    return fields


TABLE = [
    # ---- create, unchanged, update, delete ----
    row('check-create', args=dict(CREATE, _ansible_check_mode=True, _ansible_diff=True), sent=[LIST], after={}, changed=True,
        result=dict(unit_shows(), diff={'before': {}, 'after': dict(SHOWN, password=NEW_PW)})),
    row('create', args=CREATE, sent=[LIST, POST, STATUS, UNIT], bodies=[{'properties': dict(SHOWN, password=UNIT_PASSWORD)}], after=OPS_AFTER,
        changed=True, result=dict(unit_shows('AVAILABLE'), **{'backupunit.id': 'id-web'})),
    # Untracked: the status URL answers 404, so the unit is polled until AVAILABLE.
    row('create-untracked', api=dict(track_requests=False), args=CREATE, sent=[LIST, POST, STATUS, UNIT], after=OPS_AFTER, changed=True,
        result=unit_shows('AVAILABLE')),
    row('create-today', api=TODAY, args=CREATE, sent=[LIST, POST], after=OPS_AFTER, changed=True, result=unit_shows('AVAILABLE')),
    row('create-no-wait', args=dict(CREATE, wait=False), sent=[LIST, POST], changed=True, result=unit_shows('BUSY')),
    row('create-without-password', args=dict(name='web', email='ops@example.com'), failed=True, sent=[LIST], changed=False,
        msg="backupunit_password is required to create backup unit 'web'"),
    row('unchanged', before=[WEB], args=dict(CREATE, contract_number=31415926), sent=[LIST], changed=False,
        result=dict(unit_shows(), **{'backupunit.login': '31415926-web'})),
    row('unchanged-without-contract-number', api=TODAY, before=[WEB], args=CREATE, sent=[LIST], changed=False, result={'backupunit.login': NOT_RETURNED}),
    row('unchanged-email-in-another-case', before=[('web', 'Ops@Example.COM')], args=dict(UPDATE, email='ops@example.com'), sent=[LIST], changed=False),
    # Say an earlier wait=false run created it: the list still shows it BUSY, so it is waited for.
    row('unchanged-still-busy', before=[WEB], faults=[('GET', '/backupunits$', ('show_state', 'BUSY'))], args=dict(UPDATE, email='ops@example.com'),
        sent=[LIST, UNIT], changed=False, result=unit_shows('AVAILABLE')),
    row('check-update', api=TODAY, before=[OLD], args=dict(UPDATE, _ansible_check_mode=True), sent=[LIST], after=OLD_AFTER, changed=True,
        result=dict(unit_shows(email='new@example.com'), **{'backupunit.id': 'id-web'})),
    # Only what changes is sent, never the name; the password only on create (on_create), so the diff shows none.
    row('update-email', before=[OLD], args=dict(UPDATE, backupunit_password=UNIT_PASSWORD, _ansible_diff=True), sent=[LIST, PATCH, STATUS, UNIT],
        bodies=[{'email': 'new@example.com'}], after=NEW_AFTER, changed=True,
        result=dict(unit_shows(email='new@example.com'), diff={'before': dict(SHOWN, email='old@example.com'), 'after': UPDATED})),
    row('update-password', before=[('web', 'new@example.com')], sent=[LIST, PATCH, STATUS, UNIT], bodies=[{'password': 'new-pw-5678'}],
        args=dict(UPDATE, backupunit_password='new-pw-5678', update_password='always', _ansible_diff=True), changed=True,
        result={'diff': {'before': dict(UPDATED, password=OLD_PW), 'after': dict(UPDATED, password=NEW_PW)}}),
    row('update-today', api=TODAY, before=[OLD], args=UPDATE, sent=[LIST, PATCH], after=NEW_AFTER, changed=True,
        result=unit_shows('AVAILABLE', email='new@example.com')),
    row('update-password-today', api=TODAY, before=[WEB], args=dict(CREATE, update_password='always'), sent=[LIST, PATCH], changed=True),
    row('check-delete', before=[WEB], args=dict(ABSENT, _ansible_check_mode=True), sent=[LIST], changed=True, after=OPS_AFTER),
    row('delete', before=[WEB], args=dict(ABSENT, _ansible_diff=True), sent=[LIST, DELETE, STATUS], after={}, changed=True,
        result={'backupunit.id': 'id-web', 'diff': {'before': SHOWN, 'after': {}}}),
    # Today a delete proves the unit gone: its request's status URL (404: untracked), then the unit (404).
    row('delete-today', api=TODAY, before=[WEB], args=ABSENT, sent=[LIST, DELETE, STATUS, UNIT], changed=True, after={}),
    row('delete-ignores-a-bad-email', before=[OLD], args=dict(ABSENT, email='ops@'), sent=[LIST, DELETE, STATUS], changed=True, after={}),
    row('absent-missing', api=TODAY, args=ABSENT, sent=[LIST], returned={'changed': False, 'backupunit': None}),
    row('duplicate-names', before=[WEB, WEB], args=ABSENT, failed=True, sent=[LIST],
        msg="2 backup units are named 'web' (ids id-web, id-web-2); use the id to pick one"),
    row('wrong-api-url-path', args=dict(ABSENT, api_url='https://api.example.test/cloudapi'), failed=True, sent=['GET /cloudapi/backupunits'],
        msg='API error 404 309: GET https://api.example.test/cloudapi/backupunits: Resource does not exist (no backup-unit API answers there: api_url '
            'must be the Cloud API v6 base URL, like https://api.ionos.com/cloudapi/v6, or the host alone; got https://api.example.test/cloudapi)'),
    # ---- by id ----
    row('by-id-update', before=[OLD], args=dict(id='id-web', email='new@example.com', wait=False), sent=[UNIT, PATCH], changed=True,
        result={'backupunit.properties.name': 'web', 'msg': NOT_RETURNED}),
    row('by-id-delete', before=[OLD], args=dict(id='id-web', state='absent', wait=False), sent=[UNIT, DELETE], changed=True,
        result={'backupunit.properties.name': 'web', 'msg': NOT_RETURNED}),
    row('by-id-delete-unknown', args=dict(id=MISSING, state='absent'), sent=['GET /backupunits/' + MISSING], changed=False, result={'msg': NOT_RETURNED}),
    row('by-id-update-unknown', args=dict(id=MISSING, email='new@example.com'), failed=True, sent=['GET /backupunits/' + MISSING], changed=False,
        msg="no backup unit has id '%s'; to create a unit, give its name instead (the API assigns the id)" % MISSING),
    row('by-id-other-name', before=[OLD], args=dict(id='id-web', name='db', state='absent'), failed=True, sent=[UNIT], changed=False,
        msg="backup unit id-web is named 'web', not 'db'; a unit cannot be renamed"),
    # ---- waiting ----
    request_failed('create-request-failed', [], CREATE, POST, '. ' + NEXT_STEP_FAILED),
    request_failed('update-request-failed', [OLD], UPDATE, PATCH, '. ' + NEXT_STEP_FAILED),
    request_failed('delete-request-failed', [OLD], ABSENT, DELETE, ''),
    row('create-ends-failed', api=dict(track_requests=False, created_state='FAILED'), args=CREATE, failed=True, sent=[LIST, POST, STATUS, UNIT],
        changed=True, msg="backup unit 'web' (id id-web) is in state FAILED, and the API gives no reason; " + NEXT_STEP_FAILED),
    row('create-wait-timeout', api=NEVER_DONE, args=dict(CREATE, wait_timeout=3), failed=True, slept=3.0, sent=[LIST, POST, STATUS + ' x8'],
        changed=True, msg='timed out waiting for the API to finish the request (request 0001)',
        result={'error.kind': 'wait_timeout', 'error.request_id': '0001'}),
    # The real API answers 404 for backup-unit requests, so this is the usual path, not a corner case.
    row('create-wait-timeout-untracked', api=dict(NEVER_DONE, track_requests=False), args=dict(CREATE, wait_timeout=3), failed=True, slept=3.0,
        sent=[LIST, POST, STATUS, UNIT + ' x8'], changed=True, result={'error.kind': 'wait_timeout', 'error.request_id': '0001'},
        msg="timed out waiting for backup unit 'web' (id id-web) to become AVAILABLE (request 0001)"),
    row('stale-single-get', api=STALE, args=CREATE, sent=[LIST, POST, STATUS, UNIT, LIST], result=unit_shows('AVAILABLE')),
    row('stale-single-get-never-settles', api=dict(STALE, created_state='BUSY'), args=dict(CREATE, wait_timeout=3), failed=True, slept=3.0,
        sent=[LIST, POST, STATUS, UNIT, LIST + ' x8'], result={'error.kind': 'wait_timeout'}),
    # ---- lost answers: a write that applied is never sent again ----
    row('lost-post-applied', faults=[('POST', '/backupunits$', LOST)], args=CREATE, sent=[LIST, POST, LIST], after=OPS_AFTER, changed=True,
        result=unit_shows()),
    row('lost-post-not-applied', faults=[('POST', '/backupunits$', ERROR_503)], args=CREATE, sent=[LIST, POST, LIST, POST, STATUS, UNIT],
        after=OPS_AFTER, changed=True, result=unit_shows()),
    # Each resend follows a read proving the POST was not applied, and a pause that grows; after five the error stands,
    # or sooner when the next pause would pass wait_timeout.
    row('post-keeps-failing', faults=[('POST', '/backupunits$') + (ERROR_500,) * 6], args=CREATE, failed=True, sent=[LIST] + [POST, LIST] * 5,
        sleeps=[0.5, 1.0, 2.0, 4.0], after={}, changed=False, msg='API error 500 500: [VDC-5-0] An unexpected error occurred'),
    row('post-keeps-failing-until-wait-timeout', faults=[('POST', '/backupunits$') + (ERROR_500,) * 6], args=dict(CREATE, wait_timeout=2), failed=True,
        sent=[LIST] + [POST, LIST] * 3, sleeps=[0.5, 1.0], after={}, changed=False, msg='API error 500 500: [VDC-5-0] An unexpected error occurred'),
    row('lost-patch-applied', before=[OLD], faults=[('PATCH', '/backupunits/', ('apply_then_raise', ReadTimeout('timed out')))],
        args=dict(UPDATE, update_password='always', backupunit_password='new-pw-5678'), sent=[LIST, PATCH, UNIT], changed=True, after=NEW_AFTER),
    row('lost-patch-not-applied', before=[OLD], faults=[('PATCH', '/backupunits/', ConnectionError('reset'))], args=UPDATE,
        sent=[LIST, PATCH, UNIT, PATCH, STATUS, UNIT], changed=True, after=NEW_AFTER),
    # The first DELETE applies but its answer is lost; the client's one retry (no more) then meets the API's
    # 422 "being deleted". The unit is on its way out, so the task succeeds once it is gone.
    row('lost-delete-slow-api', before=[WEB], api=dict(delete_seconds=1.5), faults=[('DELETE', '/backupunits/', LOST)], args=ABSENT,
        sent=[LIST, DELETE + ' x2', UNIT + ' x6'], slept=1.94140625, after={}, changed=True, result={'backupunit.id': 'id-web'}),
    row('lost-delete-retries-fail', before=[WEB], faults=[('DELETE', '/backupunits/', LOST) + (ERROR_503,) * 4], args=ABSENT,
        sent=[LIST, DELETE + ' x5', UNIT], after={}, changed=True, result={'backupunit.id': 'id-web'}),
] + [
    # No answer proves anything, and BUSY alone does not prove a delete: even with wait=false the
    # module must see the unit go before it reports success.
    row('lost-delete-no-answer-wait-%s' % wait, before=[WEB], api=dict(delete_seconds=100), args=dict(ABSENT, wait=wait),
        faults=[('DELETE', '/backupunits/', LOST) + (ConnectionError('reset'),) * 4], sent=[LIST, DELETE + ' x5', UNIT + ' x30'], slept=104.2373675,
        after={}, changed=True, result={'backupunit.id': 'id-web'}) for wait in (True, False)
] + [
    row('lost-delete-no-wait-being-deleted', before=[WEB], api=dict(delete_seconds=600), args=dict(ABSENT, wait=False),
        faults=[('DELETE', '/backupunits/', ('apply_then_raise', ReadTimeout('timed out')))], sent=[LIST, DELETE + ' x2', UNIT], changed=True,
        after=OPS_AFTER),
    row('lost-delete-never-finishes', before=[WEB], api=dict(delete_seconds=10 ** 6), faults=[('DELETE', '/backupunits/', LOST)],
        args=dict(ABSENT, wait_timeout=5), failed=True, sent=[LIST, DELETE + ' x2', UNIT + ' x11'], slept=5.5, after=OPS_AFTER, changed=True,
        msg="timed out waiting for backup unit 'web' (id id-web) to be deleted", result={'error.kind': 'wait_timeout'}),
    # A 404 is a change only when an earlier DELETE of ours applied: at the first answer, someone else deleted it.
    row('delete-404-at-once', before=[WEB], faults=[('DELETE', '/backupunits/', Http.error(404, '309', 'Resource does not exist'))],
        args=dict(ABSENT, wait=False), sent=[LIST, DELETE], changed=False),
    row('delete-404-after-a-lost-answer', before=[WEB], faults=[('DELETE', '/backupunits/', LOST)], args=dict(ABSENT, wait=False),
        sent=[LIST, DELETE + ' x2'], changed=True, after={}),
    # Never applied: the client's retries, none added; read back until the poll gives up on the transient error, still AVAILABLE.
    row('delete-never-applied', before=[WEB], faults=[('DELETE', '/backupunits/') + (ERROR_503,) * 5], args=ABSENT, failed=True,
        sent=[LIST, DELETE + ' x5', UNIT + ' x3'], after=OPS_AFTER, changed=False, msg='API error 503 503: Service Unavailable (after 5 attempts)'),
    row('delete-refused', before=[WEB], faults=[('DELETE', '/backupunits/', Http.error(422, '200', '[VDC-21-7] The backup unit is in use'))],
        args=ABSENT, failed=True, sent=[LIST, DELETE, UNIT], after=OPS_AFTER, changed=False,
        msg='API error 422 200: [VDC-21-7] The backup unit is in use (the API rejected a value; fix the option named in the message)'),
    # BUSY alone does not prove a delete: the unit ends AVAILABLE, so the DELETE's error stands.
    row('delete-refused-while-busy', before=[('web', 'ops@example.com', 'BUSY')], args=dict(ABSENT, wait=False), failed=True,
        faults=[('DELETE', '/backupunits/', Http.error(422, '200', '[VDC-21-8] The backup unit is busy')),
                ('GET', '/backupunits/id-web$', ('show_state', 'BUSY'), ('show_state', 'BUSY'), ('show_state', 'AVAILABLE'))],
        sent=[LIST, DELETE, UNIT + ' x3'], changed=False,
        msg='API error 422 200: [VDC-21-8] The backup unit is busy (the API rejected a value; fix the option named in the message)'),
    # The DELETE's own error says more than the read-back's.
    refused('delete-refused-unit-unreadable', 'DELETE', 403, 'Access denied', ABSENT, [WEB], [LIST, DELETE, UNIT],
            [('GET', '/backupunits/id-web$', Http.error(403, '315', 'Access denied'))]),
    # ---- permanent errors: sent once, failing with the API's message ----
    refused('401-on-read', 'GET', 401, 'Unauthorized', sent=[LIST]),
    refused('403-on-create', 'POST', 403, "[VDC-14-6] The user lacks the privilege 'Manage backup units'"),
    refused('404-on-create', 'POST', 404, '[VDC-5-1508] Contract 31721234 does not exist'),
    refused('404-on-update', 'PATCH', 404, '[VDC-5-1509] Resource does not exist anymore', UPDATE, [OLD], [LIST, PATCH]),
    refused('422-being-deleted', 'PATCH', 422, '[VDC-21-2] The backup unit is being deleted', UPDATE, [OLD], [LIST, PATCH]),
    refused('422-on-create', 'POST', 422, "[VDC-5-1921] The attribute 'email' has an invalid format"),
    # ---- input: checked before any request ----
    bad_input('empty-name', dict(name='  '), 'name must not be empty'),
    bad_input('empty-name-absent', dict(name='', state='absent'), 'name must not be empty'),
    bad_input('timeout-0', dict(name='web', timeout=0), 'timeout must be a positive number of seconds, got 0'),
    bad_input('name-with-whitespace', dict(name='web '),
              "name 'web ' has whitespace before or after it; remove it (the name becomes part of the backup login <contract number>-<name>)"),
    bad_input('negative-wait-timeout', dict(ABSENT, wait_timeout=-1), 'wait_timeout must be 0 or more seconds, got -1'),
    bad_input('always-without-password', dict(name='web', update_password='always'), NO_NEW_PASSWORD),
    bad_input('always-with-empty-password', dict(name='web', update_password='always', backupunit_password=''), NO_NEW_PASSWORD),
    bad_input('always-without-password-by-id', dict(id='3f7a', update_password='always', _ansible_check_mode=True),
              NO_NEW_PASSWORD.replace("'web'", "with id '3f7a'")),
] + [bad_input('bad-email-%d%s' % (number, '-check' if check else ''), dict(CREATE, email=email, _ansible_check_mode=check), BAD_EMAIL % email)
     for number, email in enumerate(BAD_EMAILS) for check in (False, True)] + [
    bad_input('bad-email-never-patches-%d' % number, dict(CREATE, email=email, update_password='always'), BAD_EMAIL % email, [OLD], OLD_AFTER)
    for number, email in enumerate(['ops example.com', 'ops@'])] + [
    row('unusual-email-%d' % number, args=dict(CREATE, email=email), sent=[LIST, POST, STATUS, UNIT], changed=True,
        bodies=[{'properties': {'name': 'web', 'email': email, 'password': UNIT_PASSWORD}}]) for number, email in enumerate(GOOD_EMAILS)]


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunit; no password (the API user's, the units', the new ones) may reach the result."""
    return run_module(backupunit.main, secrets=(UNIT_PASSWORD, 'stored-secret', 'new-pw-5678'))


@pytest.mark.parametrize('row', TABLE)
def test_backupunit(run, row):
    play(run, **row)


# ---- the connection options, for every module ----


@pytest.mark.parametrize('main, args', [
    (backupunit.main, dict(name='web')),
    (backupunit_info.main, {}),
    (backupunit_sso_url.main, dict(name='web')),
    (backupunits.main, dict(units=[dict(name='web', email='ops@example.com', password=UNIT_PASSWORD)])),
], ids=['backupunit', 'backupunit_info', 'backupunit_sso_url', 'backupunits'])
@pytest.mark.parametrize('connection', [dict(username=None, password=None), dict(password=None)], ids=['none', 'username-without-password'])
def test_missing_credentials_fail_before_any_request(run_module, main, args, connection):
    run = run_module(main)
    outcome = run(**dict(args, **connection))
    assert outcome.failed and outcome.result['msg'] == ('No credentials: set token (or IONOS_TOKEN), or both username and password '
                                                        '(or IONOS_USERNAME and IONOS_PASSWORD)')
    assert run.api.calls == []


VALIDATE_CERTS_WARNING = ('validate_certs is false: the API certificate is not verified, so credentials can be '
                          'intercepted. Prefer ca_path with the CA bundle that signs the API certificate.')
TOKEN_WARNING = ("password is ignored because token is set: password is the API user's password for basic authentication, "
                 "not a backup unit's (that is backupunit_password in backupunit, and units[].password in backupunits)")


@pytest.mark.parametrize('env, args, url, authorization, contract, verify, warnings', [
    (dict(IONOS_TOKEN='env-token', IONOS_API_URL='https://env.example.test/cloudapi/v6', IONOS_CONTRACT_NUMBER='31721234'),
     {}, 'https://env.example.test/cloudapi/v6', 'Bearer env-token', '31721234', True, []),
    # AWX sets every variable its credential type injects, as '' when the field is empty.
    (dict(IONOS_TOKEN='env-token', IONOS_USERNAME='', IONOS_PASSWORD='', IONOS_CONTRACT_NUMBER='', IONOS_API_URL='',
          IONOS_VALIDATE_CERTS=''), {}, 'https://api.ionos.com/cloudapi/v6', 'Bearer env-token', None, True, []),
    ({}, dict(validate_certs=False), FakeApi.BASE, 'Basic YWxpY2U6czNjcmV0LXB3', None, False, [VALIDATE_CERTS_WARNING]),
    ({}, dict(token='api-token', password='meant-for-the-unit'), FakeApi.BASE, 'Bearer api-token', None, True, [TOKEN_WARNING]),
    # A shell set up for both kinds of login: the password comes from the environment, so no warning.
    (dict(IONOS_PASSWORD='shell-password'), dict(token='api-token', password='shell-password'), FakeApi.BASE, 'Bearer api-token', None, True, []),
], ids=['environment', 'empty-environment-variables', 'validate-certs-false', 'password-with-token', 'password-with-token-from-the-environment'])
def test_connection_options(run, monkeypatch, env, args, url, authorization, contract, verify, warnings):
    """One read with the default connection (FakeApi's URL, alice) changed by `args`, or with only the environment `env`."""
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    if not args:
        monkeypatch.setattr(fakes, 'CONNECTION', {})
    outcome = run(**dict(ABSENT, **args))
    assert not outcome.failed and outcome.warnings == warnings
    call, = run.api.calls
    assert call.url == url + '/backupunits' and call.verify is verify
    assert (call.headers['Authorization'], call.headers.get('X-Contract-Number')) == (authorization, contract)


def test_missing_requests_library_names_it(run, monkeypatch):
    monkeypatch.setattr(_connection, 'HAS_REQUESTS', False)
    outcome = run(name='web')
    assert outcome.failed and 'requests' in outcome.result['msg']
    assert run.api.calls == []
