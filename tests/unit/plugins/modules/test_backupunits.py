# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunits module (a declared list in one pass) end to end over a faked HTTP session: one row per case
(see fakes.play for the columns)."""

from __future__ import annotations

import pytest

from ansible_collections.ionoscloud.backup.plugins.modules import backupunits
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import LIST, POST, TODAY, Http, play, row

PASSWORDS = ('Alpha-pw-1', 'Beta-pw-2', 'Gamma-pw-3', 'stored-secret')
NEW_PW = '<new password: not shown>'
PURGE_REFUSED = ('refusing to purge: the list of units {why}, so purge would delete every backup unit of the contract and all of their backups (an '
                 'empty list is often a variable that did not load); nothing was changed. List the units to keep, or delete units by name with state: absent')
NO_NEW_PASSWORD = ("units[{index}] '{name}': update_password is always but password is missing or empty, so nothing would be set; give the new "
                   "password, or use update_password: on_create")


def declared(*names):
    return [dict(name=name, email=name + '@example.com', password=PASSWORDS[i % 3]) for i, name in enumerate(names)]


def emails(*names):
    """{name: email} of units as declared() declares them."""
    return {name: name + '@example.com' for name in names}


def diff(name, before, after):
    return dict(before=before, after=after, before_header=name, after_header=name)


def bad_input(case_id, args, message):
    return row(case_id, before=[('kept', 'kept@example.com')], args=args, failed=True, sent=[], after=emails('kept'), changed=False, msg=message,
               result={'error.kind': 'input'})


TABLE = [
    # Every write is sent before any wait; then one list request per poll waits for all of them.
    row('create-update-delete', api=dict(track_requests=False), before=[('beta', 'old@example.com'), ('old', 'old@example.com')],
        args=dict(units=declared('alpha', 'beta', 'gamma') + [dict(name='old', state='absent')], contract_number=31415926),
        sent=[LIST, POST, 'PATCH /backupunits/id-beta', POST, 'DELETE /backupunits/id-old', LIST],
        bodies=[{'properties': declared('alpha')[0]}, {'email': 'beta@example.com'}, {'properties': declared('alpha', 'beta', 'gamma')[2]}],
        after=emails('alpha', 'beta', 'gamma'), changed=True, msg='created: alpha, gamma; updated: beta; deleted: old', result={
            'backupunits.*.action': ['create', 'update', 'create', 'delete'], 'backupunits.0.backupunit.metadata.state': 'AVAILABLE',
            'backupunits.0.backupunit.login': '31415926-alpha', 'backupunits.1.backupunit.properties.email': 'beta@example.com',
            'backupunits.3.backupunit': None}),
    row('unchanged', before=emails('alpha', 'beta', 'gamma').items(), args=dict(units=declared('alpha', 'beta', 'gamma')), sent=[LIST],
        changed=False, msg='3 unchanged', result={'backupunits.*.action': ['none'] * 3}),
    # The request budget of docs/performance.md section 3: writes answered AVAILABLE need no wait.
    row('two-creates-today', api=TODAY, args=dict(units=declared('alpha', 'beta')), sent=[LIST, POST + ' x2'], changed=True,
        bodies=[{'properties': unit} for unit in declared('alpha', 'beta')]),
    row('check-mode-purge-diff', before=[('beta', 'old@example.com'), ('stray', 'stray@example.com')], sent=[LIST],
        args=dict(units=declared('alpha', 'beta') + [dict(name='gone', state='absent')], update_password='always', purge=True,
                  _ansible_check_mode=True, _ansible_diff=True),
        after={'beta': 'old@example.com', 'stray': 'stray@example.com'}, changed=True,
        msg='would create: alpha; would update: beta; would delete (undeclared, purged): stray; 1 unchanged', result={
            'purged': ['stray'], 'backupunits.*.name': ['alpha', 'beta', 'gone', 'stray'],
            'backupunits.*.action': ['create', 'update', 'none', 'delete'],
            'backupunits.0.backupunit.properties': {'name': 'alpha', 'email': 'alpha@example.com'},
            'diff': [diff('alpha', {}, {'name': 'alpha', 'email': 'alpha@example.com', 'password': NEW_PW}),
                     diff('beta', {'name': 'beta', 'email': 'old@example.com', 'password': '<write-only: current value not readable>'},
                          {'name': 'beta', 'email': 'beta@example.com', 'password': NEW_PW}),
                     diff('stray', {'name': 'stray', 'email': 'stray@example.com'}, {})]}),
    row('undeclared-left-alone', before=emails('stray').items(), args=dict(units=declared('alpha')), sent=[LIST, POST, LIST],
        after=emails('stray', 'alpha'), msg='created: alpha; not declared, left alone: stray', result={'undeclared.*.id': ['id-stray'], 'purged': []}),
    row('undeclared-purged', before=emails('alpha', 'stray').items(), args=dict(units=declared('alpha'), purge=True),
        sent=[LIST, 'DELETE /backupunits/id-stray', LIST], after=emails('alpha'), changed=True, msg='deleted (undeclared, purged): stray; 1 unchanged',
        result={'purged': ['stray'], 'backupunits.*.purged': [False, True]}),
    # One refused write fails the run at the end; the others converge.
    row('one-refused', before=[('stray', None)], args=dict(units=declared('alpha', 'beta', 'gamma')), failed=True,
        faults=[('POST', '/backupunits$', Http.error(422, '200', "[VDC-5-1921] The attribute 'email' is invalid"))],
        sent=[LIST, POST + ' x3', LIST], after=dict(emails('beta', 'gamma'), stray=None), changed=True,
        msg=("1 of 3 backup units failed: 'alpha': API error 422 200: [VDC-5-1921] The attribute 'email' is invalid (the API rejected a value; fix "
             "the option named in the message). The others: created: beta, gamma; not declared, left alone: stray"),
        result={'backupunits.0.failed': True, 'backupunits.0.changed': False, 'backupunits.1.backupunit.metadata.state': 'AVAILABLE'}),
    row('pending-at-the-deadline', api=dict(track_requests=False, created_state='BUSY'), args=dict(units=declared('alpha', 'beta'), wait_timeout=5),
        failed=True, sent=[LIST, POST + ' x2', LIST + ' x10'], slept=5.0, changed=True,
        msg=("2 of 2 backup units failed: 'alpha': timed out after 5s (wait_timeout) waiting for it to become AVAILABLE; 'beta': timed out after 5s "
             "(wait_timeout) waiting for it to become AVAILABLE. The others: 0 unchanged")),
    row('ends-failed', api=dict(created_state='FAILED'), args=dict(units=declared('alpha')), failed=True, sent=[LIST, POST, LIST], changed=True,
        msg=("1 of 1 backup units failed: 'alpha': backup unit 'alpha' (id id-alpha) is in state FAILED, and the API gives no reason; if the unit "
             "holds no backups you need, delete it (state: absent) and create it again; otherwise ask IONOS support about it, quoting its id. "
             "The others: 0 unchanged")),
    # A missing password for a new unit fails before any write.
    row('create-without-password', before=[('beta', 'old@example.com')], args=dict(units=declared('beta') + [dict(name='alpha', email='a@example.com')]),
        failed=True, sent=[LIST], changed=False, msg="password is required to create backup unit 'alpha'"),
    bad_input('listed-twice', dict(units=declared('alpha') + declared('alpha')),
              'these backup unit names are listed more than once: alpha; each unit must appear once'),
    bad_input('bad-email', dict(units=declared('alpha') + [dict(name='beta', email='not-an-address', password='Beta-pw-2')]),
              "units[1] 'beta': email 'not-an-address' is not a valid email address (expected name@domain)"),
    bad_input('empty-name', dict(units=[dict(name=' ', email='a@example.com')]), "units[0] ' ': name must not be empty"),
    bad_input('name-with-whitespace', dict(units=[dict(name='alpha ', email='a@example.com')]),
              "units[0] 'alpha ': name 'alpha ' has whitespace before or after it; remove it (the name becomes part of the backup login "
              "<contract number>-<name>)"),
    bad_input('always-with-empty-password', dict(units=[dict(name='alpha', password='', update_password='always')]),
              NO_NEW_PASSWORD.format(index=0, name='alpha')),
    bad_input('always-without-password', dict(units=declared('alpha') + [dict(name='beta')], update_password='always'),
              NO_NEW_PASSWORD.format(index=1, name='beta')),
    bad_input('purge-empty-list', dict(units=[], purge=True), PURGE_REFUSED.format(why='is empty')),
    bad_input('purge-empty-list-check-mode', dict(units=[], purge=True, _ansible_check_mode=True), PURGE_REFUSED.format(why='is empty')),
    bad_input('purge-nothing-present', dict(units=[dict(name='alpha', state='absent')], purge=True),
              PURGE_REFUSED.format(why='declares no unit with state: present')),
]


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunits; no unit password may reach the result."""
    return run_module(backupunits.main, secrets=PASSWORDS)


@pytest.mark.parametrize('row', TABLE)
def test_backupunits(run, row):
    play(run, **row)
