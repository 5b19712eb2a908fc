# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit_info module end to end over a faked HTTP session (see fakes.FakeApi)."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit_info


def unchanged_on_success(outcome):
    if not outcome.failed:
        assert outcome.result['changed'] is False


@pytest.fixture
def run(run_module):
    """run(**module_args) for backupunit_info; the units' stored passwords never reach the result either."""
    return run_module(backupunit_info.main, secrets=('stored-secret',), check=unchanged_on_success)


def names(outcome):
    return sorted(unit['properties']['name'] for unit in outcome.result['backupunits'])


def test_without_filter_lists_every_unit_in_one_request_each_with_its_login_when_the_contract_number_is_set(run):
    assert run().result == {'changed': False, 'backupunits': []}      # an empty contract
    web = run.api.add_unit('web', 'ops@example.com')
    run.api.add_unit('db', 'dba@example.com')
    outcome = run(contract_number=31415926)
    assert not outcome.failed
    assert names(outcome) == ['db', 'web']
    unit = [u for u in outcome.result['backupunits'] if u['id'] == web][0]
    assert unit['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert unit['metadata']['state'] == 'AVAILABLE' and unit['href'].endswith('/backupunits/' + web)
    assert sorted(unit['login'] for unit in outcome.result['backupunits']) == ['31415926-db', '31415926-web']
    assert run.api.summary() == ['GET /backupunits'] * 2
    assert run.api.calls[1].params == {'pretty': 'false', 'depth': '1'}


def test_without_contract_number_one_more_request_reads_it_for_the_login(run, http):
    run.api.add_unit('web', 'ops@example.com')
    outcome = run()
    assert [unit['login'] for unit in outcome.result['backupunits']] == ['31721234-web']
    assert run.api.summary() == ['GET /backupunits', 'GET /contracts']
    # The login is a convenience: a contract the API will not show costs a warning, not the run.
    run.api.add_fault('GET', r'/contracts$', http.error(403, '316', 'Access denied'))
    outcome = run()
    assert not outcome.failed and 'login' not in outcome.result['backupunits'][0]
    assert outcome.warnings == ['units are returned without login: reading the contract number (GET /contracts) '
                                'failed: API error 403 316: Access denied (%s); set contract_number to have it'
                                % _client.HINTS[403]]


def test_name_filter_lists_once_and_returns_only_the_unit_of_exactly_that_name(run):
    run.api.add_unit('web', 'ops@example.com')
    for name in ('db', 'web-2', 'Web'):
        run.api.add_unit(name)
    outcome = run(name='web')
    assert names(outcome) == ['web']
    assert outcome.result['backupunits'][0]['properties']['email'] == 'ops@example.com'
    assert run.api.summary() == ['GET /backupunits', 'GET /contracts']
    # Check mode and diff read like a normal run.
    assert run(name='web', _ansible_check_mode=True, _ansible_diff=True).result == outcome.result
    assert 'diff' not in outcome.result
    outcome = run(name='nope')
    assert not outcome.failed and outcome.result['backupunits'] == []
    assert run.api.summary()[4:] == ['GET /backupunits']     # nothing found: no login to make


def test_name_filter_returns_every_unit_with_that_name(run):
    # Uniqueness is not documented by the API; an info module reports what exists, it does not fail.
    first = run.api.add_unit('web')
    second = run.api.add_unit('web')
    outcome = run(name='web')
    assert not outcome.failed
    assert sorted(u['id'] for u in outcome.result['backupunits']) == sorted([first, second])


def test_id_filter_reads_only_that_unit_and_an_unknown_one_gives_an_empty_list_and_a_stale_one_is_read_from_the_list(run):
    run.api.add_unit('db')
    web = run.api.add_unit('web', 'ops@example.com')
    outcome = run(id=web, contract_number=31721234)
    assert [u['id'] for u in outcome.result['backupunits']] == [web]
    assert outcome.result['backupunits'][0]['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert run.api.summary() == ['GET /backupunits/' + web]
    assert run.api.calls[0].params['depth'] == '1'
    missing = str(uuid.uuid4())
    outcome = run(id=missing)
    assert not outcome.failed and outcome.result['backupunits'] == []
    assert run.api.summary()[1:] == ['GET /backupunits/' + missing]
    # Terraform #641: the single GET answers BUSY without properties; the list is right.
    run.api.stale_single_get = True
    outcome = run(id=web, contract_number=31721234)
    assert outcome.result['backupunits'][0]['properties'] == {'name': 'web', 'email': 'ops@example.com'}
    assert run.api.summary()[2:] == ['GET /backupunits/' + web, 'GET /backupunits']


def test_id_is_sent_as_one_path_segment(run):
    run(id='../requests')
    # Quoted, so it cannot address another resource (here the list of requests).
    assert [call.path for call in run.api.calls] == ['/cloudapi/v6/backupunits/..%2Frequests']


def test_other_errors_on_id_lookup_fail_and_are_not_an_empty_list(run, http):
    unit_id = run.api.add_unit('web')
    run.api.add_fault('GET', '/backupunits/', http.error(403, '316', 'Access denied'))
    outcome = run(id=unit_id)
    assert outcome.failed
    assert outcome.result['msg'].startswith('API error 403 316: Access denied')
    assert outcome.result['error']['status'] == 403
    assert 'backupunits' not in outcome.result


@pytest.mark.parametrize('args, message', [(dict(name='web', id=str(uuid.uuid4())), 'parameters are mutually exclusive: name|id')] + [
    ({key: value}, '%s must not be empty' % key) for key in ('name', 'id') for value in ('', '  ')] + [
    (dict(name=' web'), "name ' web' has whitespace before or after it; remove it (the name becomes part of the "
                        "backup login <contract number>-<name>)")])
def test_bad_filters_fail_before_any_request(run, args, message):
    outcome = run(**args)
    assert outcome.failed and outcome.result['msg'] == message
    assert run.api.calls == []


def test_ten_thousand_units_in_one_request(run):
    for number in range(10000):
        run.api.add_unit('unit-%05d' % number, 'ops@example.com')
    outcome = run(contract_number=31721234)
    units = outcome.result['backupunits']
    assert len(units) == 10000
    assert len({unit['id'] for unit in units}) == 10000
    assert all('password' not in unit['properties'] for unit in units)
    assert run.api.summary() == ['GET /backupunits']
    assert names(run(name='unit-09999', contract_number=31721234)) == ['unit-09999']
