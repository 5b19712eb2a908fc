# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunits module (a declared list in one pass) end to end over a faked HTTP session."""

from __future__ import annotations

import pytest

from ansible_collections.ionoscloud.backup.plugins.modules import backupunits

PASSWORDS = ('Alpha-pw-1', 'Beta-pw-2', 'Gamma-pw-3', 'stored-secret')


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunits; no unit password may reach the result."""
    return run_module(backupunits.main, secrets=PASSWORDS)


def declared(*names, **extra):
    return [dict(name=name, email=name + '@example.com', password=PASSWORDS[i % 3], **extra)
            for i, name in enumerate(names)]


def by_name(outcome):
    return {entry['name']: entry for entry in outcome.result['backupunits']}


def test_writes_are_sent_together_then_one_list_per_poll_waits_for_all_then_the_list_is_unchanged(run):
    run.api.track_requests = False
    beta = run.api.add_unit('beta', 'old@example.com')
    old = run.api.add_unit('old', 'old@example.com')
    units = declared('alpha', 'beta', 'gamma') + [dict(name='old', state='absent')]
    outcome = run(units=units, contract_number=31415926)
    results = by_name(outcome)
    assert not outcome.failed and outcome.result['changed'] is True
    assert {name: entry['action'] for name, entry in results.items()} == {
        'alpha': 'create', 'beta': 'update', 'gamma': 'create', 'old': 'delete'}
    assert results['alpha']['backupunit']['metadata']['state'] == 'AVAILABLE'
    assert results['alpha']['backupunit']['login'] == '31415926-alpha'
    assert results['beta']['backupunit']['properties']['email'] == 'beta@example.com'
    assert results['old']['backupunit'] is None
    assert outcome.result['msg'] == 'created: alpha, gamma; updated: beta; deleted: old'
    summary = run.api.summary()
    assert summary[:6] == ['GET /backupunits', 'POST /backupunits', 'PATCH /backupunits/' + beta,
                           'POST /backupunits', 'DELETE /backupunits/' + old, 'GET /backupunits']
    assert set(summary[6:]) <= {'GET /backupunits'}
    patch = [call for call in run.api.calls if call.method == 'PATCH'][0]
    assert patch.body == {'email': 'beta@example.com'}
    assert sorted(unit['properties']['name'] for unit in run.api.units.values()) == ['alpha', 'beta', 'gamma']
    run.api.calls.clear()
    outcome = run(units=declared('alpha', 'beta', 'gamma'))     # unchanged: one request
    assert outcome.result['changed'] is False and outcome.result['msg'] == '3 unchanged'
    assert [entry['action'] for entry in outcome.result['backupunits']] == ['none'] * 3
    assert run.api.summary() == ['GET /backupunits']


def test_writes_answered_available_need_no_wait(run):
    run.api.answered_state = 'AVAILABLE'
    outcome = run(units=declared('alpha', 'beta'))
    assert outcome.result['changed'] is True
    assert run.api.summary() == ['GET /backupunits', 'POST /backupunits', 'POST /backupunits']


def test_check_mode_and_diff_show_each_unit_and_write_nothing(run):
    run.api.add_unit('beta', 'old@example.com')
    run.api.add_unit('stray', 'stray@example.com')
    units = declared('alpha', 'beta') + [dict(name='gone', state='absent')]
    outcome = run(units=units, update_password='always', purge=True, _ansible_check_mode=True, _ansible_diff=True)
    results = by_name(outcome)
    assert outcome.result['changed'] is True
    assert {name: entry['action'] for name, entry in results.items()} == {
        'alpha': 'create', 'beta': 'update', 'gone': 'none', 'stray': 'delete'}
    assert results['alpha']['backupunit']['properties'] == {'name': 'alpha', 'email': 'alpha@example.com'}
    assert outcome.result['purged'] == ['stray']
    assert outcome.result['msg'] == 'would create: alpha; would update: beta; would delete (undeclared, purged): stray; 1 unchanged'
    diffs = {diff['before_header']: diff for diff in outcome.result['diff']}
    assert diffs['alpha'] == {'before': {}, 'after': {'name': 'alpha', 'email': 'alpha@example.com',
                                                      'password': '<new password: not shown>'},
                              'before_header': 'alpha', 'after_header': 'alpha'}
    assert diffs['beta']['after']['password'] == '<new password: not shown>'
    assert diffs['stray']['after'] == {}
    assert run.api.summary() == ['GET /backupunits'] and len(run.api.units) == 2


def test_undeclared_units_are_returned_and_left_alone_unless_purged(run):
    stray = run.api.add_unit('stray', 'stray@example.com')
    outcome = run(units=declared('alpha'))
    assert [unit['id'] for unit in outcome.result['undeclared']] == [stray]
    assert outcome.result['purged'] == [] and stray in run.api.units
    assert outcome.result['msg'] == 'created: alpha; not declared, left alone: stray'
    kept = by_name(outcome)['alpha']['backupunit']['id']
    run.api.calls.clear()
    outcome = run(units=declared('alpha'), purge=True)
    assert outcome.result['changed'] is True and outcome.result['purged'] == ['stray']
    assert by_name(outcome)['stray']['purged'] is True
    assert list(run.api.units) == [kept]
    assert [line for line in run.api.summary() if not line.startswith('GET')] == ['DELETE /backupunits/' + stray]


def test_one_refused_write_fails_the_run_at_the_end_and_the_others_converge(run, http):
    run.api.add_fault('POST', r'/backupunits$', http.error(422, '200', "[VDC-5-1921] The attribute 'email' is invalid"))
    stray = run.api.add_unit('stray')
    outcome = run(units=declared('alpha', 'beta', 'gamma'))
    results = by_name(outcome)
    assert outcome.failed and outcome.result['changed'] is True
    assert outcome.result['msg'] == ("1 of 3 backup units failed: 'alpha': API error 422 200: [VDC-5-1921] "
                                     "The attribute 'email' is invalid (the API rejected a value; fix the "
                                     "option named in the message). The others: created: beta, gamma; "
                                     "not declared, left alone: stray")
    assert results['alpha']['failed'] is True and results['alpha']['changed'] is False
    assert results['beta']['backupunit']['metadata']['state'] == 'AVAILABLE'
    assert sorted(unit['properties']['name'] for unit in run.api.units.values()) == ['beta', 'gamma', 'stray']
    assert stray in run.api.units


def test_units_still_pending_at_the_deadline_each_fail_by_name(run):
    run.api.track_requests = False
    run.api.created_state = 'BUSY'
    outcome = run(units=declared('alpha', 'beta'), wait_timeout=5)
    assert outcome.failed and outcome.result['changed'] is True
    assert outcome.result['msg'] == ("2 of 2 backup units failed: 'alpha': timed out after 5s (wait_timeout) "
                                     "waiting for it to become AVAILABLE; 'beta': timed out after 5s "
                                     "(wait_timeout) waiting for it to become AVAILABLE. The others: 0 unchanged")
    assert sum(run.api.clock.sleeps) == pytest.approx(5.0)


def test_a_unit_that_ends_failed_is_named(run):
    run.api.created_state = 'FAILED'
    outcome = run(units=declared('alpha'))
    unit_id, = run.api.units
    assert outcome.failed
    assert outcome.result['msg'] == (
        "1 of 1 backup units failed: 'alpha': backup unit 'alpha' (id %s) is in state FAILED, and the API gives no "
        "reason; if the unit holds no backups you need, delete it (state: absent) and create it again; otherwise "
        "ask IONOS support about it, quoting its id. The others: 0 unchanged" % unit_id)


PURGE_REFUSED = ('refusing to purge: the list of units {why}, so purge would delete every backup unit of the contract and all of '
                 'their backups (an empty list is often a variable that did not load); nothing was changed. List the '
                 'units to keep, or delete units by name with state: absent')


@pytest.mark.parametrize('args, message', [
    (dict(units=declared('alpha') + declared('alpha')),
     'these backup unit names are listed more than once: alpha; each unit must appear once'),
    (dict(units=declared('alpha') + [dict(name='beta', email='not-an-address', password='Beta-pw-2')]),
     "units[1] 'beta': email 'not-an-address' is not a valid email address (expected name@domain)"),
    (dict(units=[dict(name=' ', email='a@example.com')]), "units[0] ' ': name must not be empty"),
    (dict(units=[dict(name='alpha ', email='a@example.com')]),
     "units[0] 'alpha ': name 'alpha ' has whitespace before or after it; remove it (the name becomes part of the "
     "backup login <contract number>-<name>)"),
    (dict(units=[dict(name='alpha', password='', update_password='always')]),
     "units[0] 'alpha': update_password is always but password is missing or empty, so nothing would be set; give "
     "the new password, or use update_password: on_create"),
    (dict(units=declared('alpha') + [dict(name='beta')], update_password='always'),
     "units[1] 'beta': update_password is always but password is missing or empty, so nothing would be set; give "
     "the new password, or use update_password: on_create"),
    (dict(units=[], purge=True), PURGE_REFUSED.format(why='is empty')),
    (dict(units=[], purge=True, _ansible_check_mode=True), PURGE_REFUSED.format(why='is empty')),
    (dict(units=[dict(name='alpha', state='absent')], purge=True),
     PURGE_REFUSED.format(why='declares no unit with state: present')),
])
def test_bad_input_fails_before_any_request(run, args, message):
    kept = run.api.add_unit('kept', 'kept@example.com')
    outcome = run(**args)
    assert outcome.failed and outcome.result['msg'] == message and outcome.result['changed'] is False
    assert run.api.summary() == [] and list(run.api.units) == [kept]
    assert outcome.result['error']['kind'] == 'input'


def test_a_missing_password_for_a_new_unit_fails_before_any_write(run):
    run.api.add_unit('beta', 'old@example.com')
    outcome = run(units=declared('beta') + [dict(name='alpha', email='alpha@example.com')])
    assert outcome.failed and outcome.result['changed'] is False
    assert outcome.result['msg'] == "password is required to create backup unit 'alpha'"
    assert run.api.summary() == ['GET /backupunits']
