# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The request budgets of docs/performance.md section 3, against the API as it answers today:
requests untracked (status URLs answer 404), writes answered with the unit AVAILABLE. One row per
operation: the module, its arguments, whether the unit exists first, and every request it sends."""

from __future__ import annotations

import pytest

from ansible_collections.ionoscloud.backup.plugins.modules import backupunit, backupunit_info, backupunit_sso_url, backupunits

UNIT = dict(name='web', email='ops@example.com', backupunit_password='Unit-pw-1234')
LIST, UNIT_PATH = 'GET /backupunits', '/backupunits/{id}'


@pytest.mark.parametrize('main, args, exists, sent', [
    (backupunit.main, UNIT, False, [LIST, 'POST /backupunits']),
    (backupunit.main, UNIT, True, [LIST]),
    (backupunit.main, dict(UNIT, email='new@example.com'), True, [LIST, 'PATCH ' + UNIT_PATH]),
    (backupunit.main, dict(UNIT, update_password='always'), True, [LIST, 'PATCH ' + UNIT_PATH]),
    (backupunit.main, dict(UNIT, _ansible_check_mode=True), False, [LIST]),
    (backupunit.main, dict(UNIT, email='new@example.com', _ansible_check_mode=True), True, [LIST]),
    # A delete proves the unit gone: its request's status URL (404: untracked), then the unit (404).
    (backupunit.main, dict(name='web', state='absent'), True,
     [LIST, 'DELETE ' + UNIT_PATH, 'GET /requests/{request}/status', 'GET ' + UNIT_PATH]),
    (backupunit.main, dict(name='web', state='absent'), False, [LIST]),
    (backupunit_info.main, dict(contract_number=31721234), True, [LIST]),
    (backupunit_info.main, {}, True, [LIST, 'GET /contracts']),       # the contract number, for the login
    (backupunit_info.main, {}, False, [LIST]),                          # nothing found, no login to make
    (backupunit_info.main, dict(name='web', contract_number=31721234), True, [LIST]),
    (backupunit_info.main, dict(id='{id}', contract_number=31721234), True, ['GET ' + UNIT_PATH]),
    (backupunit_sso_url.main, dict(name='web'), True, [LIST, 'GET %s/ssourl' % UNIT_PATH]),
    (backupunit_sso_url.main, dict(id='{id}'), True, ['GET %s/ssourl' % UNIT_PATH]),
    (backupunits.main, dict(units=[dict(name='web', email='ops@example.com')]), True, [LIST]),
    (backupunits.main, dict(units=[dict(name='web', email='ops@example.com', password='pw-1'),
                                   dict(name='db', email='dba@example.com', password='pw-2')]), False,
     [LIST, 'POST /backupunits', 'POST /backupunits']),
], ids=['create', 'unchanged', 'update-email', 'update-password', 'check-create', 'check-update', 'delete',
        'absent-missing', 'info', 'info-without-contract', 'info-empty', 'info-by-name', 'info-by-id',
        'sso-by-name', 'sso-by-id', 'list-unchanged', 'list-two-creates'])
def test_requests_per_operation(run_module, main, args, exists, sent):
    run = run_module(main)
    run.api.track_requests, run.api.answered_state = False, 'AVAILABLE'
    unit_id = run.api.add_unit('web', 'ops@example.com') if exists else None
    outcome = run(**{key: value.format(id=unit_id) if value == '{id}' else value for key, value in args.items()})
    assert not outcome.failed, outcome.result
    request = next(iter(run.api.requests), None)
    assert run.api.summary() == [line.format(id=unit_id, request=request) for line in sent]
