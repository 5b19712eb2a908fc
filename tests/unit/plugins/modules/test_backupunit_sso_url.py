# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit_sso_url module end to end over a faked HTTP session (see fakes.FakeApi)."""

from __future__ import annotations

import json
import uuid

import pytest

from ansible_collections.ionoscloud.backup.plugins.modules import backupunit_sso_url

SSO_URL = 'https://backup.example.test/?jwt=sso-secret'     # what fakes.FakeApi answers
SSO_TOKEN = 'sso-secret'


def token_only_in_sso_url(outcome):
    # The token may only ever be in `sso_url`: never in msg, warnings or anything else.
    rest = {key: value for key, value in outcome.result.items() if key != 'sso_url'}
    assert SSO_TOKEN not in json.dumps(rest) and SSO_TOKEN not in json.dumps(outcome.warnings)
    assert outcome.result.get('changed', False) is False


@pytest.fixture
def run(run_module):
    return run_module(backupunit_sso_url.main, check=token_only_in_sso_url)


def test_by_name_finds_the_unit_then_gets_its_url_and_by_id_costs_exactly_one_request(run):
    unit_id = run.api.add_unit('web')
    run.api.add_unit('db')
    outcome = run(name='web')
    assert not outcome.failed
    assert outcome.result == {'changed': False, 'sso_url': SSO_URL}
    assert run.api.summary() == ['GET /backupunits', 'GET /backupunits/%s/ssourl' % unit_id]
    # The API documents no depth for the ssourl operation.
    assert run.api.calls[1].params == {'pretty': 'false'}
    assert run(id=unit_id).result['sso_url'] == SSO_URL
    assert run.api.summary()[2:] == ['GET /backupunits/%s/ssourl' % unit_id]


def test_unknown_name_or_id_fails_naming_it(run):
    run.api.add_unit('web')
    outcome = run(name='nope')
    assert outcome.failed
    assert outcome.result['msg'] == "backup unit 'nope' not found"
    assert 'sso_url' not in outcome.result
    assert run.api.summary() == ['GET /backupunits']
    missing = str(uuid.uuid4())
    outcome = run(id=missing)
    assert outcome.failed
    assert outcome.result['msg'] == "backup unit with id '%s' not found" % missing
    assert run.api.summary()[1:] == ['GET /backupunits/%s/ssourl' % missing]       # in one request


def test_duplicate_names_fail_without_asking_for_a_url(run):
    first = run.api.add_unit('web')
    second = run.api.add_unit('web')
    outcome = run(name='web')
    assert outcome.failed
    assert outcome.result['msg'].startswith("2 backup units are named 'web'")
    assert first in outcome.result['msg'] and second in outcome.result['msg']
    assert run.api.summary() == ['GET /backupunits']


def test_other_api_errors_fail_with_one_line(run, http):
    unit_id = run.api.add_unit('web')
    run.api.add_fault('GET', '/ssourl$', http.error(403, '316', 'Access denied'))
    outcome = run(id=unit_id)
    assert outcome.failed and outcome.result['error']['status'] == 403
    assert outcome.result['msg'].startswith('API error 403 316: Access denied')


def test_answer_without_url_fails(run, http):
    unit_id = run.api.add_unit('web')
    run.api.add_fault('GET', '/ssourl$', http.response(200, {}))
    outcome = run(name='web')
    assert outcome.failed
    assert outcome.result['msg'] == "the API returned no ssoUrl for backup unit 'web'"
    assert run.api.summary()[-1] == 'GET /backupunits/%s/ssourl' % unit_id


@pytest.mark.parametrize('args, message', [
    ({}, 'one of the following is required: name, id'),
    ({'name': 'web', 'id': 'x'}, 'parameters are mutually exclusive: name|id'),
    ({'name': ''}, 'name must not be empty'),
    ({'id': ' '}, 'id must not be empty'),
])
def test_bad_arguments_fail_before_any_request(run, args, message):
    run.api.add_unit('web')
    outcome = run(**args)
    assert outcome.failed and outcome.result['msg'] == message
    assert run.api.calls == []


def test_check_mode_returns_the_url_too_and_warnings_never_carry_it(run):
    run.api.add_unit('web')
    outcome = run(name='web', validate_certs=False, _ansible_check_mode=True, _ansible_diff=True)
    assert outcome.result == {'changed': False, 'sso_url': SSO_URL}
    assert len(outcome.warnings) == 1 and 'validate_certs' in outcome.warnings[0]


def test_a_credential_inside_the_url_is_reported_without_showing_either(run):
    # Ansible's no_log masking would replace 'example' inside the URL: the user must learn why it breaks.
    run.api.add_unit('web')
    outcome = run(name='web', password='example')
    assert len(outcome.warnings) == 1
    assert 'masks part of the returned sso_url' in outcome.warnings[0]
    assert 'example' not in outcome.warnings[0]
