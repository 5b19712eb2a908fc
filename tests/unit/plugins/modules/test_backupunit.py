# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit module end to end over a faked HTTP session (see fakes.FakeApi)."""

from __future__ import annotations

import pytest
from requests.exceptions import ConnectionError, ReadTimeout

from ansible.module_utils.testing import patch_module_args

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client, _connection
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit, backupunit_info, backupunit_sso_url, backupunits
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import Http, ModuleExit

UNIT_PASSWORD = 'Unit-pw-1234'
NEXT_STEP_FAILED = ('if the unit holds no backups you need, delete it (state: absent) and create it again; '
                    'otherwise ask IONOS support about it, quoting its id')
CREATE = dict(name='web', email='ops@example.com', backupunit_password=UNIT_PASSWORD)
UPDATE = dict(name='web', email='new@example.com')


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunit; no password (the API user's, the units', the new ones) may reach the result."""
    return run_module(backupunit.main, secrets=(UNIT_PASSWORD, 'stored-secret', 'new-pw-5678'))


def test_check_mode_create_only_reads_and_predicts_then_create_reads_posts_waits_and_reads_once(run):
    outcome = run(_ansible_check_mode=True, _ansible_diff=True, **CREATE)
    assert outcome.result['changed'] is True
    assert outcome.result['backupunit']['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert outcome.result['diff'] == {'before': {}, 'after': {
        'name': 'web', 'email': 'ops@example.com', 'password': '<new password: not shown>'}}
    assert run.api.summary() == ['GET /backupunits'] and run.api.units == {}
    run.api.calls.clear()
    outcome = run(**CREATE)
    api = run.api
    assert not outcome.failed and outcome.result['changed'] is True
    unit = outcome.result['backupunit']
    assert unit['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert unit['metadata']['state'] == 'AVAILABLE' and unit['id'] in api.units
    assert api.summary()[:2] == ['GET /backupunits', 'POST /backupunits']
    assert api.summary()[2].startswith('GET /requests/')
    assert api.summary()[3:] == ['GET /backupunits/' + unit['id']]
    assert api.calls[0].params == {'pretty': 'false', 'depth': '1'}
    assert api.calls[1].body == {'properties': {'name': 'web', 'email': 'ops@example.com', 'password': UNIT_PASSWORD}}


@pytest.mark.parametrize('contract_number, login', [(31415926, '31415926-web'), (None, None)])
def test_unchanged_unit_costs_exactly_one_request_and_has_a_login_if_the_contract_is_known(run, contract_number, login):
    run.api.add_unit('web', 'ops@example.com')
    outcome = run(contract_number=contract_number, **CREATE)
    assert outcome.result['changed'] is False
    assert outcome.result['backupunit']['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert outcome.result['backupunit'].get('login') == login
    assert run.api.summary() == ['GET /backupunits']


def test_check_mode_update_predicts_then_email_change_patches_only_the_email_then_password_change_only_it(run):
    unit_id = run.api.add_unit('web', 'old@example.com')
    outcome = run(_ansible_check_mode=True, **UPDATE)
    assert outcome.result['changed'] is True and outcome.result['backupunit']['id'] == unit_id
    assert outcome.result['backupunit']['properties']['email'] == 'new@example.com'
    assert run.api.summary() == ['GET /backupunits']
    assert run.api.units[unit_id]['properties']['email'] == 'old@example.com'
    # The diff shows no password when it does not change.
    outcome = run(backupunit_password=UNIT_PASSWORD, _ansible_diff=True, **UPDATE)
    assert outcome.result['changed'] is True
    assert outcome.result['backupunit']['properties']['email'] == 'new@example.com'
    assert outcome.result['diff'] == {'before': {'name': 'web', 'email': 'old@example.com'},
                                      'after': {'name': 'web', 'email': 'new@example.com'}}
    patch, = [call for call in run.api.calls if call.method == 'PATCH']
    assert patch.path.endswith(unit_id) and patch.body == {'email': 'new@example.com'}   # never the name
    assert run.api.units[unit_id]['properties']['password'] == 'stored-secret'   # on_create: untouched
    # update_password=always sets it; the diff shows only placeholders.
    outcome = run(name='web', email='new@example.com', backupunit_password='new-pw-5678',
                  update_password='always', _ansible_diff=True)
    assert outcome.result['changed'] is True
    assert outcome.result['diff']['before']['password'] != outcome.result['diff']['after']['password']
    assert [call.body for call in run.api.calls if call.method == 'PATCH'][1:] == [{'password': 'new-pw-5678'}]
    assert run.api.units[unit_id]['properties']['password'] == 'new-pw-5678'


def test_absent_check_mode_does_not_delete_then_deletes_and_waits_then_costs_one_request(run):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    outcome = run(name='web', state='absent', _ansible_check_mode=True)
    assert outcome.result['changed'] is True and len(run.api.units) == 1
    assert run.api.summary() == ['GET /backupunits']
    run.api.calls.clear()
    outcome = run(name='web', state='absent', _ansible_diff=True)
    assert outcome.result['changed'] is True and outcome.result['backupunit']['id'] == unit_id
    assert outcome.result['diff'] == {'before': {'name': 'web', 'email': 'ops@example.com'}, 'after': {}}
    summary = run.api.summary()
    assert summary[:2] == ['GET /backupunits', 'DELETE /backupunits/' + unit_id]
    assert all(line.startswith('GET /requests/') for line in summary[2:])
    assert run.api.units == {}
    run.api.calls.clear()
    assert run(name='web', state='absent').result == {'changed': False, 'backupunit': None}
    assert run.api.summary() == ['GET /backupunits']


def test_untracked_request_falls_back_to_polling_the_unit_until_created_or_gone(run):
    run.api.track_requests = False
    outcome = run(**CREATE)
    unit_id = outcome.result['backupunit']['id']
    assert outcome.result['backupunit']['metadata']['state'] == 'AVAILABLE'
    assert run.api.summary()[2:] == ['GET /requests/%s/status' % run.api.calls[2].path.split('/')[-2],
                                     'GET /backupunits/' + unit_id]
    outcome = run(name='web', state='absent')
    assert outcome.result['changed'] is True
    assert run.api.summary()[-1] == 'GET /backupunits/' + unit_id
    assert run.api.units == {}


@pytest.mark.parametrize('args', [CREATE, UPDATE, dict(name='web', state='absent')], ids=['create', 'update', 'delete'])
def test_failed_request_fails_naming_request_and_message(run, args):
    if args is not CREATE:
        run.api.add_unit('web', 'old@example.com')
    run.api.request_outcome = 'FAILED'
    run.api.request_message = 'no capacity'
    unit_id = next(iter(run.api.units), None)
    outcome = run(**args)
    # The API accepted the write before it failed, so the result must not claim nothing happened.
    assert outcome.failed and outcome.result['changed'] is True
    request_id, = run.api.requests
    unit_id = unit_id or next(iter(run.api.units))
    next_step = '' if args.get('state') == 'absent' else '. ' + NEXT_STEP_FAILED
    assert outcome.result['msg'] == "backup unit 'web' (id %s): request %s failed: no capacity%s" % (
        unit_id, request_id, next_step)
    assert outcome.result['error']['kind'] == 'request_failed'
    assert outcome.result['error']['request_id'] == request_id


def test_a_unit_that_ends_failed_is_named_with_the_next_step(run):
    run.api.track_requests = False
    run.api.created_state = 'FAILED'
    outcome = run(**CREATE)
    unit_id, = run.api.units
    assert outcome.failed and outcome.result['changed'] is True
    assert outcome.result['msg'] == "backup unit 'web' (id %s) is in state FAILED, and the API gives no reason; %s" % (
        unit_id, NEXT_STEP_FAILED)


@pytest.mark.parametrize('tracked, message', [
    (True, 'timed out waiting for the API to finish the request (request {request})'),
    # The real API answers 404 for backup-unit requests, so this is the usual path, not a corner case.
    (False, "timed out waiting for backup unit 'web' (id {unit}) to become AVAILABLE (request {request})"),
])
def test_wait_timeout_fails_naming_request(run, tracked, message):
    run.api.track_requests = tracked
    run.api.polls_until_done = 10 ** 6
    run.api.created_state = 'BUSY'
    outcome = run(wait_timeout=3, **CREATE)
    request_id, = run.api.requests
    unit_id, = run.api.units
    assert outcome.failed and outcome.result['changed'] is True
    assert outcome.result['error']['kind'] == 'wait_timeout'
    assert outcome.result['msg'] == message.format(unit=unit_id, request=request_id)
    assert outcome.result['error']['request_id'] == request_id
    assert sum(run.api.clock.sleeps) == pytest.approx(3.0)


def test_no_wait_returns_the_accepted_unit_without_polling(run):
    outcome = run(wait=False, **CREATE)
    assert outcome.result['changed'] is True
    assert outcome.result['backupunit']['metadata']['state'] == 'BUSY'
    assert run.api.summary() == ['GET /backupunits', 'POST /backupunits']


def test_write_answered_available_needs_no_wait(run):
    # Since 2025 the API answers writes with the unit already AVAILABLE (ionosctl PR #487).
    run.api.answered_state = 'AVAILABLE'
    created = run(**CREATE)
    updated = run(**UPDATE)
    unit_id = created.result['backupunit']['id']
    assert created.result['backupunit']['metadata']['state'] == 'AVAILABLE'
    assert updated.result['backupunit']['properties']['email'] == 'new@example.com'
    assert run.api.summary() == ['GET /backupunits', 'POST /backupunits',
                                 'GET /backupunits', 'PATCH /backupunits/' + unit_id]


def test_unchanged_unit_still_busy_is_waited_for_and_reported_unchanged(run, http):
    # Say an earlier wait=false run created it: the list still shows it BUSY.
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.add_fault('GET', r'/backupunits$', http.response(200, {'items': [run.api._public(run.api.units[unit_id], 'BUSY')]}))
    outcome = run(name='web', email='ops@example.com')
    assert outcome.result['changed'] is False
    assert outcome.result['backupunit']['metadata']['state'] == 'AVAILABLE'
    assert run.api.summary() == ['GET /backupunits', 'GET /backupunits/' + unit_id]


def test_stale_single_get_is_confirmed_through_the_list(run):
    # Terraform #641: the single GET keeps answering BUSY without properties while the list is right.
    run.api.track_requests = False
    run.api.stale_single_get = True
    outcome = run(**CREATE)
    unit = outcome.result['backupunit']
    assert not outcome.failed
    assert unit['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert unit['metadata']['state'] == 'AVAILABLE'
    assert run.api.summary()[3:] == ['GET /backupunits/' + unit['id'], 'GET /backupunits']


def test_stale_single_get_that_never_settles_is_bounded_by_wait_timeout(run):
    run.api.track_requests = False
    run.api.stale_single_get = True
    run.api.created_state = 'BUSY'
    outcome = run(wait_timeout=3, **CREATE)
    assert outcome.failed and outcome.result['error']['kind'] == 'wait_timeout'
    assert sum(run.api.clock.sleeps) == pytest.approx(3.0)
    polls = run.api.summary()[3:]
    assert polls[0].startswith('GET /backupunits/') and set(polls[1:]) == {'GET /backupunits'}


# ---- lost answers ---------------------------------------------------------------------


@pytest.mark.parametrize('fault, posts', [
    (('apply_then_raise', ConnectionError('reset')), 1),
    (Http.error(503, '503', 'Service Unavailable'), 2),
], ids=['applied-is-not-sent-again', 'not-applied-is-sent-once-more'])
def test_lost_post(run, fault, posts):
    run.api.add_fault('POST', r'/backupunits$', fault)
    outcome = run(**CREATE)
    assert outcome.result['changed'] is True and len(run.api.units) == 1
    assert outcome.result['backupunit']['properties']['name'] == 'web'
    assert run.api.summary()[:posts * 2] == ['GET /backupunits', 'POST /backupunits'] * posts
    assert run.api.sent('POST') == ['POST /backupunits'] * posts


@pytest.mark.parametrize('wait_timeout, posts, pauses', [
    (600, 5, [0.5, 1.0, 2.0, 4.0]),      # after five, the error stands
    (2, 3, [0.5, 1.0]),                  # a pause past wait_timeout is not taken: the error stands sooner
])
def test_post_that_keeps_failing_reports_the_api_error_and_no_change(run, http, monkeypatch, wait_timeout, posts, pauses):
    monkeypatch.setattr(_client.random, 'random', lambda: 1.0)      # no jitter: the backoff's full delays
    run.api.add_fault('POST', r'/backupunits$', *[http.error(500, '500', '[VDC-5-0] An unexpected error occurred')] * 6)
    outcome = run(wait_timeout=wait_timeout, **CREATE)
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'] == 'API error 500 500: [VDC-5-0] An unexpected error occurred'
    # Each resend follows a read proving the POST was not applied, and a pause that grows.
    assert run.api.summary()[1:] == ['POST /backupunits', 'GET /backupunits'] * posts
    assert run.api.clock.sleeps == pauses
    assert run.api.units == {}


@pytest.mark.parametrize('fault, args, patches', [
    (('apply_then_raise', ReadTimeout('timed out')), dict(update_password='always', backupunit_password='new-pw-5678'), 1),
    (ConnectionError('reset'), {}, 2),
], ids=['applied-is-not-sent-again', 'not-applied-is-sent-again'])
def test_lost_patch(run, fault, args, patches):
    unit_id = run.api.add_unit('web', 'old@example.com')
    run.api.add_fault('PATCH', r'/backupunits/', fault)
    outcome = run(name='web', email='new@example.com', **args)
    assert outcome.result['changed'] is True
    assert len(run.api.sent('PATCH')) == patches
    assert run.api.units[unit_id]['properties']['email'] == 'new@example.com'


LOST = ('apply_then_raise', ConnectionError('reset'))


@pytest.mark.parametrize('delete_seconds, answers, wait, deletes', [
    # The first DELETE applies but its answer is lost; the client's one retry (no more) then meets the API's
    # 422 "being deleted". The unit is on its way out, so the task succeeds once it is gone.
    (1.5, [LOST], True, 2),
    (0, [LOST] + [Http.error(503, '503', 'Service Unavailable')] * 4, True, 5),
    # No answer proves anything, and BUSY alone does not prove a delete: even with wait=false the
    # module must see the unit go before it reports success.
    (100, [LOST] + [ConnectionError('reset')] * 4, True, 5),
    (100, [LOST] + [ConnectionError('reset')] * 4, False, 5),
], ids=['slow-api', 'retries-all-fail', 'no-answer-at-all', 'no-answer-at-all-no-wait'])
def test_lost_delete_answer_succeeds_once_the_unit_is_gone(run, delete_seconds, answers, wait, deletes):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.delete_seconds = delete_seconds
    run.api.add_fault('DELETE', r'/backupunits/', *answers)
    outcome = run(name='web', state='absent', wait=wait)
    assert not outcome.failed, outcome.result
    assert outcome.result['changed'] is True and outcome.result['backupunit']['id'] == unit_id
    assert run.api.sent('DELETE') == ['DELETE /backupunits/' + unit_id] * deletes
    assert run.api.summary()[-1] == 'GET /backupunits/' + unit_id              # polled until a 404
    assert run.api.units == {} and run.api.clock.now >= 1000.0 + delete_seconds


@pytest.mark.parametrize('answer, deletes, changed', [
    # Someone else deleted the unit between our read and our DELETE: nothing of ours changed it.
    (Http.error(404, '309', 'Resource does not exist'), 1, False),
    # Ours applied but its answer was lost; the client's resent DELETE then meets the 404.
    (LOST, 2, True),
], ids=['first-answer-404', '404-after-a-lost-answer'])
def test_a_delete_answered_404_is_a_change_only_when_an_earlier_delete_of_ours_applied(run, answer, deletes, changed):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.add_fault('DELETE', r'/backupunits/', answer)
    outcome = run(name='web', state='absent', wait=False)
    assert not outcome.failed and outcome.result['changed'] is changed
    assert run.api.sent('DELETE') == ['DELETE /backupunits/' + unit_id] * deletes


def test_lost_delete_answer_without_wait_succeeds_once_the_api_says_it_is_being_deleted(run):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.delete_seconds = 600
    run.api.add_fault('DELETE', r'/backupunits/', ('apply_then_raise', ReadTimeout('timed out')))
    outcome = run(name='web', state='absent', wait=False)
    assert not outcome.failed and outcome.result['changed'] is True
    assert run.api.summary()[1:] == ['DELETE /backupunits/' + unit_id] * 2 + ['GET /backupunits/' + unit_id]
    assert unit_id in run.api.deleting


def test_lost_delete_answer_that_never_finishes_times_out_reporting_the_change(run):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.delete_seconds = 10 ** 6
    run.api.add_fault('DELETE', r'/backupunits/', LOST)
    outcome = run(name='web', state='absent', wait_timeout=5)
    assert outcome.failed and outcome.result['changed'] is True
    assert outcome.result['error']['kind'] == 'wait_timeout'
    assert outcome.result['msg'] == "timed out waiting for backup unit 'web' (id %s) to be deleted" % unit_id
    assert len(run.api.sent('DELETE')) == 2 and unit_id in run.api.units


@pytest.mark.parametrize('answers, message', [
    # Never applied: the client's retries, none added; read back once, still AVAILABLE.
    ([Http.error(503, '503', 'Service Unavailable')] * 5, 'API error 503 503: Service Unavailable (after 5 attempts)'),
    ([Http.error(422, '200', '[VDC-21-7] The backup unit is in use')],   # refused for another reason than "being deleted"
     'API error 422 200: [VDC-21-7] The backup unit is in use (the API rejected a value; fix the option named in the message)'),
], ids=['never-applied', 'refused'])
def test_delete_error_reports_the_api_error_and_no_change(run, answers, message):
    unit_id = run.api.add_unit('web', 'ops@example.com')
    run.api.add_fault('DELETE', r'/backupunits/', *answers)
    outcome = run(name='web', state='absent')
    assert outcome.failed and outcome.result['changed'] is False and outcome.result['msg'] == message
    assert run.api.sent('DELETE') == ['DELETE /backupunits/' + unit_id] * len(answers)
    assert run.api.summary()[-1] == 'GET /backupunits/' + unit_id
    assert unit_id in run.api.units


def test_delete_error_while_another_write_runs_reports_the_error_once_the_unit_settles(run, http):
    # BUSY alone does not prove a delete: the unit ends AVAILABLE, so the DELETE's error stands.
    unit_id = run.api.add_unit('web', 'ops@example.com', state='BUSY')
    busy, available = (http.response(200, dict(run.api.units[unit_id], metadata={'state': state}))
                       for state in ('BUSY', 'AVAILABLE'))
    run.api.add_fault('DELETE', r'/backupunits/', http.error(422, '200', '[VDC-21-8] The backup unit is busy'))
    run.api.add_fault('GET', r'/backupunits/[-0-9a-f]+$', busy, busy, available)
    outcome = run(name='web', state='absent', wait=False)
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'].startswith('API error 422 200: [VDC-21-8] The backup unit is busy')
    assert run.api.summary()[1:] == ['DELETE /backupunits/' + unit_id] + ['GET /backupunits/' + unit_id] * 3


def test_delete_error_with_an_unreadable_unit_reports_the_delete_error(run, http):
    run.api.add_unit('web', 'ops@example.com')
    run.api.add_fault('DELETE', r'/backupunits/', http.error(403, '315', 'Access denied'))
    run.api.add_fault('GET', r'/backupunits/[-0-9a-f]+$', http.error(403, '315', 'Access denied'))
    outcome = run(name='web', state='absent')
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'].startswith('API error 403 315: Access denied')
    assert outcome.result['error']['method'] == 'DELETE'


# ---- permanent errors: sent once, failing with the API's message ------------------------------


@pytest.mark.parametrize('main, args, method, path, status, message, sent', [
    (backupunit.main, CREATE, 'GET', r'/backupunits$', 401, 'Unauthorized', ['GET /backupunits']),
    (backupunit_info.main, {}, 'GET', r'/backupunits$', 403, '[VDC-14-1] Access denied to contract 31721234',
     ['GET /backupunits']),
    (backupunit.main, CREATE, 'POST', r'/backupunits$', 403,
     "[VDC-14-6] The user lacks the privilege 'Manage backup units'", ['GET /backupunits', 'POST /backupunits']),
    (backupunit.main, CREATE, 'POST', r'/backupunits$', 404, '[VDC-5-1508] Contract 31721234 does not exist',
     ['GET /backupunits', 'POST /backupunits']),
    (backupunit.main, UPDATE, 'PATCH', r'/backupunits/', 404, '[VDC-5-1509] Resource does not exist anymore',
     ['GET /backupunits', 'PATCH /backupunits/{id}']),
    (backupunit.main, UPDATE, 'PATCH', r'/backupunits/', 422, '[VDC-21-2] The backup unit is being deleted',
     ['GET /backupunits', 'PATCH /backupunits/{id}']),
    (backupunit.main, CREATE, 'POST', r'/backupunits$', 422,
     "[VDC-5-1921] The attribute 'email' has an invalid format", ['GET /backupunits', 'POST /backupunits']),
], ids=['401-on-read', '403-on-read', '403-on-create', '404-on-create', '404-on-update', '422-being-deleted',
        '422-on-create'])
def test_permanent_error_is_sent_once_and_fails_with_one_line_and_a_structured_error(
        run_module, http, main, args, method, path, status, message, sent):
    run = run_module(main, secrets=(UNIT_PASSWORD,))
    unit_id = run.api.add_unit('web', 'old@example.com') if args is UPDATE else None
    run.api.add_fault(method, path, http.error(status, '315', message))
    outcome = run(**args)
    assert outcome.failed and outcome.result['changed'] is False
    hint = _client.HINTS.get(status)
    assert outcome.result['msg'] == 'API error %d 315: %s' % (status, message) + (' (%s)' % hint if hint else '')
    assert '\n' not in outcome.result['msg']
    error = outcome.result['error']
    assert (error['kind'], error['status'], error['code'], error['method']) == ('api', status, '315', method)
    assert run.api.summary() == [line.format(id=unit_id) for line in sent]


# ---- bad input and failures -------------------------------------------------------------


@pytest.mark.parametrize('main, args', [
    (backupunit.main, dict(name='web')),
    (backupunit_info.main, {}),
    (backupunit_sso_url.main, dict(name='web')),
    (backupunits.main, dict(units=[dict(name='web', email='ops@example.com', password=UNIT_PASSWORD)])),
], ids=['backupunit', 'backupunit_info', 'backupunit_sso_url', 'backupunits'])
@pytest.mark.parametrize('connection', [dict(username=None, password=None), dict(password=None)],
                         ids=['none', 'username-without-password'])
def test_missing_credentials_fail_before_any_request(run_module, monkeypatch, main, args, connection):
    for variable in ('IONOS_USERNAME', 'IONOS_PASSWORD', 'IONOS_TOKEN'):
        monkeypatch.delenv(variable, raising=False)
    run = run_module(main)
    outcome = run(**dict(args, **connection))
    assert outcome.failed and outcome.result['msg'] == (
        'No credentials: set token (or IONOS_TOKEN), or both username and password '
        '(or IONOS_USERNAME and IONOS_PASSWORD)')
    assert run.api.calls == []


def test_credentials_and_api_url_come_from_the_environment(run, monkeypatch):
    monkeypatch.setenv('IONOS_TOKEN', 'env-token')
    monkeypatch.setenv('IONOS_API_URL', 'https://env.example.test/cloudapi/v6')
    monkeypatch.setenv('IONOS_CONTRACT_NUMBER', '31721234')
    with patch_module_args(dict(name='web', state='absent')):
        with pytest.raises(ModuleExit):
            backupunit.main()
    call, = run.api.calls
    assert call.url == 'https://env.example.test/cloudapi/v6/backupunits'
    assert call.headers['Authorization'] == 'Bearer env-token'
    assert call.headers['X-Contract-Number'] == '31721234'


def test_empty_environment_variables_count_as_unset(run, monkeypatch):
    # AWX sets every variable its credential type injects, as '' when the field is empty.
    for variable, value in dict(IONOS_TOKEN='env-token', IONOS_USERNAME='', IONOS_PASSWORD='', IONOS_CONTRACT_NUMBER='',
                                IONOS_API_URL='', IONOS_VALIDATE_CERTS='').items():
        monkeypatch.setenv(variable, value)
    with patch_module_args(dict(name='web', state='absent')):
        with pytest.raises(ModuleExit) as caught:
            backupunit.main()
    assert not caught.value.failed
    call, = run.api.calls
    assert call.url == 'https://api.ionos.com/cloudapi/v6/backupunits' and call.verify is True
    assert call.headers['Authorization'] == 'Bearer env-token' and 'X-Contract-Number' not in call.headers


def test_create_without_password_fails_after_one_read(run):
    outcome = run(name='web', email='ops@example.com')
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'] == "backupunit_password is required to create backup unit 'web'"
    assert run.api.summary() == ['GET /backupunits']


def test_duplicate_names_fail_instead_of_guessing(run):
    run.api.add_unit('web')
    run.api.add_unit('web')
    outcome = run(name='web', state='absent')
    assert outcome.failed and outcome.result['msg'].startswith("2 backup units are named 'web'")
    assert run.api.summary() == ['GET /backupunits']


def test_validate_certs_false_warns(run):
    run.api.add_unit('web', 'ops@example.com')
    outcome = run(name='web', email='ops@example.com', validate_certs=False)
    assert any('validate_certs is false' in warning for warning in outcome.warnings)
    assert run.api.calls[0].verify is False


def test_missing_requests_library_names_it(run, monkeypatch):
    monkeypatch.setattr(_connection, 'HAS_REQUESTS', False)
    outcome = run(name='web')
    assert outcome.failed and 'requests' in outcome.result['msg']
    assert run.api.calls == []


BAD_EMAILS = ['not-an-email', 'ops@', 'ops@@example.com', 'ops example.com', '@example.com', 'ops@localhost',
              'ops@example.', 'ops@.example.com', 'ops@exa mple.com', ' ops@example.com', 'ops@example.com\n', '']


NO_NEW_PASSWORD = ("backup unit 'web': update_password is always but backupunit_password is missing or empty, so "
                   "nothing would be set; give the new password, or use update_password: on_create")


@pytest.mark.parametrize('args, message', [
    (dict(name='  '), 'name must not be empty'),
    (dict(name='', state='absent'), 'name must not be empty'),
    (dict(name='web', timeout=0), 'timeout must be a positive number of seconds, got 0'),
    (dict(name='web '), "name 'web ' has whitespace before or after it; remove it (the name becomes part of the "
                        "backup login <contract number>-<name>)"),
    (dict(name='web', state='absent', wait_timeout=-1), 'wait_timeout must be 0 or more seconds, got -1'),
    (dict(name='web', update_password='always'), NO_NEW_PASSWORD),
    (dict(name='web', update_password='always', backupunit_password=''), NO_NEW_PASSWORD),
    (dict(id='3f7a', update_password='always', _ansible_check_mode=True),
     NO_NEW_PASSWORD.replace("'web'", "with id '3f7a'")),
] + [(dict(CREATE, email=email, _ansible_check_mode=check),
      "backup unit 'web': email %r is not a valid email address (expected name@domain)" % email)
     for email in BAD_EMAILS for check in (False, True)])
def test_bad_values_fail_before_any_request(run, args, message):
    outcome = run(**args)
    assert outcome.failed and outcome.result['msg'] == message and outcome.result['changed'] is False
    assert '\n' not in outcome.result['msg']
    assert outcome.result['error']['kind'] == 'input'
    assert run.api.calls == [] and run.api.units == {}


@pytest.mark.parametrize('email', ['ops example.com', 'ops@'])
def test_invalid_email_never_patches_an_existing_unit(run, email):
    unit_id = run.api.add_unit('web', 'old@example.com')
    outcome = run(name='web', email=email, backupunit_password=UNIT_PASSWORD, update_password='always')
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'] == "backup unit 'web': email %r is not a valid email address (expected name@domain)" % email
    assert run.api.calls == []
    assert run.api.units[unit_id]['properties']['email'] == 'old@example.com'


@pytest.mark.parametrize('email', ['first.last+reports@sub.example.co.uk', "o'brien@example.com",
                                   'OPS@Example.COM', 'ops@xn--bcher-kva.example', 'büro@bücher.example',
                                   'ops@10.0.0.1'])
def test_unusual_but_real_emails_are_sent_as_given(run, email):
    outcome = run(name='web', email=email, backupunit_password=UNIT_PASSWORD)
    assert not outcome.failed and outcome.result['changed'] is True
    post, = [call for call in run.api.calls if call.method == 'POST']
    assert post.body['properties']['email'] == email


@pytest.mark.parametrize('args, exists, sent, changed, message', [
    (dict(email='new@example.com'), True, ['GET /backupunits/{id}', 'PATCH /backupunits/{id}'], True, None),
    (dict(state='absent'), True, ['GET /backupunits/{id}', 'DELETE /backupunits/{id}'], True, None),
    (dict(state='absent'), False, ['GET /backupunits/{id}'], False, None),
    (dict(email='new@example.com'), False, ['GET /backupunits/{id}'], False,
     "no backup unit has id '{id}'; to create a unit, give its name instead (the API assigns the id)"),
    (dict(name='db', state='absent'), True, ['GET /backupunits/{id}'], False,
     "backup unit {id} is named 'web', not 'db'; a unit cannot be renamed"),
], ids=['update', 'delete', 'delete-unknown', 'update-unknown', 'other-name'])
def test_an_existing_unit_by_id(run, args, exists, sent, changed, message):
    unit_id = run.api.add_unit('web', 'old@example.com') if exists else '3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61'
    outcome = run(id=unit_id, wait=False, **args)
    assert outcome.failed is (message is not None) and outcome.result['changed'] is changed
    assert outcome.result.get('msg') == (message.format(id=unit_id) if message else None)
    assert run.api.summary() == [line.format(id=unit_id) for line in sent]
    if not outcome.failed and exists:
        assert outcome.result['backupunit']['properties']['name'] == 'web'


def test_email_differing_only_in_case_is_no_change(run):
    run.api.add_unit('web', 'Ops@Example.COM')
    outcome = run(name='web', email='ops@example.com')
    assert not outcome.failed and outcome.result['changed'] is False
    assert run.api.summary() == ['GET /backupunits']


def test_password_with_a_token_is_ignored_and_says_so_unless_it_comes_from_the_environment(run, monkeypatch):
    run.api.add_unit('web', 'ops@example.com')
    outcome = run(name='web', token='api-token', password='meant-for-the-unit')
    assert outcome.warnings == ["password is ignored because token is set: password is the API user's password for "
                                "basic authentication, not a backup unit's (that is backupunit_password in "
                                "backupunit, and units[].password in backupunits)"]
    assert run.api.calls[0].headers['Authorization'] == 'Bearer api-token'
    monkeypatch.setenv('IONOS_PASSWORD', 'shell-password')      # a shell set up for both kinds of login
    # .warnings holds every warning of the test so far: this run adds none.
    assert run(name='web', token='api-token', password='shell-password').warnings == outcome.warnings


def test_a_wrong_api_url_path_says_which_url_answered_404_and_what_api_url_should_be(run):
    outcome = run(name='web', state='absent', api_url='https://api.example.test/cloudapi')
    assert outcome.failed
    assert outcome.result['msg'] == (
        'API error 404 309: GET https://api.example.test/cloudapi/backupunits: Resource does not exist (no backup-unit '
        'API answers there: api_url must be the Cloud API v6 base URL, like https://api.ionos.com/cloudapi/v6, or the '
        'host alone; got https://api.example.test/cloudapi)')
    assert run.api.summary() == ['GET /cloudapi/backupunits']


def test_email_is_not_checked_when_deleting(run):
    unit_id = run.api.add_unit('web', 'old@example.com')
    outcome = run(name='web', email='ops@', state='absent')
    assert not outcome.failed and outcome.result['changed'] is True
    assert unit_id not in run.api.units
