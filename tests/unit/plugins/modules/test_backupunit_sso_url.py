# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backupunit_sso_url module end to end over a faked HTTP session: one row per case (see fakes.play for the columns)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit_sso_url
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import LIST, MISSING, NOT_RETURNED, Http, play, row

SSO_URL = 'https://backup.example.test/?jwt=sso-secret'     # what fakes.FakeApi answers
SSO_TOKEN = 'sso-secret'
WEB, DB = ('web', None), ('db', None)
SSO = 'GET /backupunits/id-web/ssourl'

FOUND = {'changed': False, 'sso_url': SSO_URL}
TABLE = [
    row('by-name', before=[WEB, DB], args=dict(name='web'), sent=[LIST, SSO], returned=FOUND),
    row('by-id', before=[WEB, DB], args=dict(id='id-web'), sent=[SSO], returned=FOUND),
    row('check-mode', before=[WEB], args=dict(name='web', validate_certs=False, _ansible_check_mode=True, _ansible_diff=True), sent=[LIST, SSO],
        returned=FOUND, warnings=['validate_certs is false: the API certificate is not verified, so credentials can be intercepted. Prefer ca_path '
                                  'with the CA bundle that signs the API certificate.']),
    # Ansible's no_log masking would replace 'example' inside the URL: the user must learn why it breaks, without seeing the credential.
    row('credential-inside-the-url', before=[WEB], args=dict(name='web', password='example'), sent=[LIST, SSO],
        warnings=['a no_log option value (a credential) occurs inside the SSO URL, so Ansible masks part of the returned sso_url and it will not '
                  'work; use a longer credential']),
    row('unknown-name', before=[WEB], args=dict(name='nope'), failed=True, sent=[LIST], msg="backup unit 'nope' not found",
        result={'sso_url': NOT_RETURNED}),
    row('unknown-id', before=[WEB], args=dict(id=MISSING), failed=True, sent=['GET /backupunits/%s/ssourl' % MISSING],
        msg="backup unit with id '%s' not found" % MISSING),
    row('duplicate-names', before=[WEB, WEB], args=dict(name='web'), failed=True, sent=[LIST],
        msg="2 backup units are named 'web' (ids id-web, id-web-2); use the id to pick one"),
    row('403', before=[WEB], faults=[('GET', '/ssourl$', Http.error(403, '316', 'Access denied'))], args=dict(id='id-web'), failed=True, sent=[SSO],
        msg='API error 403 316: Access denied (%s)' % _client.HINTS[403], result={'error.status': 403}),
    row('answer-without-url', before=[WEB], faults=[('GET', '/ssourl$', Http.response(200, {}))], args=dict(name='web'), failed=True,
        sent=[LIST, SSO], msg="the API returned no ssoUrl for backup unit 'web'"),
    row('neither-name-nor-id', before=[WEB], args={}, failed=True, sent=[], msg='one of the following is required: name, id'),
    row('name-and-id', before=[WEB], args=dict(name='web', id='x'), failed=True, sent=[], msg='parameters are mutually exclusive: name|id'),
    row('empty-name', before=[WEB], args=dict(name=''), failed=True, sent=[], msg='name must not be empty'),
    row('empty-id', before=[WEB], args=dict(id=' '), failed=True, sent=[], msg='id must not be empty'),
]


@pytest.fixture
def run(run_module):
    return run_module(backupunit_sso_url.main)


@pytest.mark.parametrize('row', TABLE)
def test_backupunit_sso_url(run, row):
    outcome = play(run, **row)
    # The token may only ever be in `sso_url`: never in msg, warnings or anything else.
    rest = {key: value for key, value in outcome.result.items() if key != 'sso_url'}
    assert SSO_TOKEN not in json.dumps(rest) and SSO_TOKEN not in json.dumps(outcome.warnings)
    assert outcome.result.get('changed', False) is False
