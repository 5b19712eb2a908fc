# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit_info module end to end over a faked HTTP session: one row per case (see fakes.play for the columns)."""

from __future__ import annotations

import pytest

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit_info
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import LIST, MISSING, NOT_RETURNED, FakeApi, Http, play, row

WEB, DB = ('web', 'ops@example.com'), ('db', 'dba@example.com')
CONTRACTS = 'GET /contracts'
STALE = dict(stale_single_get=True)     # Terraform #641: the single GET answers BUSY without properties; the list is right

EMPTY = {'changed': False, 'backupunits': []}
TEN_THOUSAND = [('unit-%05d' % number, 'ops@example.com') for number in range(10000)]
TABLE = [
    row('empty-contract', args={}, sent=[LIST], returned=EMPTY),
    # Every unit in one request, each with its login when the contract number is set; nothing more is read.
    row('all', before=[WEB, DB], args=dict(contract_number=31415926), sent=[LIST], result={
        'backupunits.*.id': ['id-web', 'id-db'], 'backupunits.0.properties': {'name': 'web', 'email': 'ops@example.com'},
        'backupunits.0.metadata.state': 'AVAILABLE', 'backupunits.0.href': FakeApi.BASE + '/backupunits/id-web',
        'backupunits.*.login': ['31415926-web', '31415926-db']}),
    # Without contract_number one more request reads it, for the login.
    row('all-without-contract-number', before=[WEB], args={}, sent=[LIST, CONTRACTS], result={'backupunits.*.login': ['31721234-web']}),
    # The login is a convenience: a contract the API will not show costs a warning, not the run.
    row('contract-refused', before=[WEB], faults=[('GET', '/contracts$', Http.error(403, '316', 'Access denied'))], args={},
        sent=[LIST, CONTRACTS], result={'backupunits.0.login': NOT_RETURNED},
        warnings=['units are returned without login: reading the contract number (GET /contracts) failed: API error 403 316: Access denied (%s); '
                  'set contract_number to have it' % _client.HINTS[403]]),
    row('by-name', before=[WEB, DB, ('web-2', None), ('Web', None)], args=dict(name='web'), sent=[LIST, CONTRACTS],
        result={'backupunits.*.properties.email': ['ops@example.com'], 'backupunits.*.login': ['31721234-web']}),
    # Check mode and diff read like a normal run.
    row('by-name-check-mode', before=[WEB, DB], args=dict(name='web', _ansible_check_mode=True, _ansible_diff=True), sent=[LIST, CONTRACTS],
        result={'backupunits.*.id': ['id-web'], 'diff': NOT_RETURNED}),
    row('by-name-unknown', before=[WEB], args=dict(name='nope'), sent=[LIST], returned=EMPTY),
    row('by-name-in-contract', before=[WEB], args=dict(name='web', contract_number=31721234), sent=[LIST], result={'backupunits.*.id': ['id-web']}),
    # Uniqueness is not documented by the API; an info module reports what exists, it does not fail.
    row('by-name-duplicates', before=[WEB, WEB], args=dict(name='web', contract_number=31721234), sent=[LIST],
        result={'backupunits.*.id': ['id-web', 'id-web-2']}),
    row('by-id', before=[DB, WEB], args=dict(id='id-web', contract_number=31721234), sent=['GET /backupunits/id-web'],
        result={'backupunits.*.id': ['id-web'], 'backupunits.0.properties': {'name': 'web', 'email': 'ops@example.com'}}),
    row('by-id-without-contract-number', before=[WEB], args=dict(id='id-web'), sent=['GET /backupunits/id-web', CONTRACTS],
        result={'backupunits.*.login': ['31721234-web']}),
    row('by-id-unknown', before=[WEB], args=dict(id=MISSING), sent=['GET /backupunits/' + MISSING], returned=EMPTY),
    row('by-id-stale', api=STALE, before=[WEB], args=dict(id='id-web', contract_number=31721234), sent=['GET /backupunits/id-web', LIST],
        result={'backupunits.0.properties': {'name': 'web', 'email': 'ops@example.com'}}),
    # Quoted, so it cannot address another resource (here the list of requests).
    row('by-id-is-one-path-segment', args=dict(id='../requests'), sent=['GET /backupunits/..%2Frequests'], returned=EMPTY),
    row('403-on-read', faults=[('GET', '/backupunits$', Http.error(403, '315', '[VDC-14-1] Access denied to contract 31721234'))], args={},
        failed=True, sent=[LIST], changed=False, msg='API error 403 315: [VDC-14-1] Access denied to contract 31721234 (%s)' % _client.HINTS[403],
        result={'error.kind': 'api', 'error.status': 403, 'error.code': '315', 'error.method': 'GET'}),
    # Other errors than a 404 are failures, not an empty list.
    row('403-on-id', before=[WEB], faults=[('GET', '/backupunits/', Http.error(403, '316', 'Access denied'))], args=dict(id='id-web'), failed=True,
        sent=['GET /backupunits/id-web'], msg='API error 403 316: Access denied (%s)' % _client.HINTS[403],
        result={'error.status': 403, 'backupunits': NOT_RETURNED}),
    row('name-and-id', args=dict(name='web', id=MISSING), failed=True, sent=[], msg='parameters are mutually exclusive: name|id'),
    row('name-with-whitespace', args=dict(name=' web'), failed=True, sent=[],
        msg="name ' web' has whitespace before or after it; remove it (the name becomes part of the backup login <contract number>-<name>)"),
] + [row('empty-%s-%d' % (key, len(value)), args={key: value}, failed=True, sent=[], msg='%s must not be empty' % key)
     for key in ('name', 'id') for value in ('', '  ')] + [
    # Ten thousand units in one request, none with a password (the runner's secrets).
    row('ten-thousand', before=TEN_THOUSAND, args=dict(contract_number=31721234), sent=[LIST],
        result={'backupunits.*.id': ['id-%s' % name for name, dummy in TEN_THOUSAND]}),
    row('ten-thousand-by-name', before=TEN_THOUSAND, args=dict(name='unit-09999', contract_number=31721234), sent=[LIST],
        result={'backupunits.*.id': ['id-unit-09999']})]


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunit_info; the units' stored passwords never reach the result either."""
    return run_module(backupunit_info.main, secrets=('stored-secret',))


@pytest.mark.parametrize('row', TABLE)
def test_backupunit_info(run, row):
    outcome = play(run, **row)
    assert outcome.failed or outcome.result['changed'] is False     # an info module never changes anything
