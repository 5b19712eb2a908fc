# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials: refused before any request when they hold control characters or surrounding whitespace,
and masked whole, in every encoded form, wherever a message quotes them.

- the modules refuse such a token, password or username before any request, with one line that
  names the option and quotes no part of the value (_connection.client_from_module);
- the client's redaction masks a credential whole, as a message may quote it (raw, repr, JSON,
  URL-encoded, inside the Basic value), and never word by word (_client.ApiClient.redact).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest
import requests

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ionoscloud.backup.plugins.module_utils import _connection
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import ApiClient, InputError, IonosError
from ansible_collections.ionoscloud.backup.plugins.modules import backupunit, backupunit_info
from ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes import API_PASSWORD, FakeApi, ScriptedSession

BASE = FakeApi.BASE
HEAD = 'Tok3nHeadPart'
TAIL = 'S3cretTailPart'
# Every C0 control character and DEL, named for the test ids.
CONTROL_CHARACTERS = [chr(code) for code in range(0x20)] + ['\x7f']


def char_id(char):
    return {'\n': 'LF', '\r': 'CR', '\x00': 'NUL', '\t': 'TAB', '\x7f': 'DEL'}.get(char, 'x%02x' % ord(char))


def split_secret(char):
    return HEAD + char + TAIL


def assert_no_fragment(text):
    assert HEAD not in text and TAIL not in text, text


# ---- the modules refuse them before any request ------------------------------------------------


class FakeModule:
    """What client_from_module uses of an AnsibleModule."""

    def __init__(self, **params):
        self.params = dict(api_url=BASE, username=None, password=None, token=None, contract_number=None,
                           validate_certs=True, ca_path=None, timeout=30)
        self.params.update(params)
        self.no_log_values = set()
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


VARIABLES = {'token': 'IONOS_TOKEN', 'username': 'IONOS_USERNAME', 'password': 'IONOS_PASSWORD'}
GOOD = {'token': None, 'username': 'alice', 'password': API_PASSWORD}


def refused(option, value):
    """(module, the result the module fails with) for a client built with `option` set to `value`."""
    module = FakeModule(**dict(GOOD, **{option: value}))
    with pytest.raises(InputError) as caught:
        _connection.client_from_module(module)
    return module, dict(msg=str(caught.value), error=caught.value.to_dict())


@pytest.mark.parametrize('option', ['token', 'username', 'password'])
@pytest.mark.parametrize('char', CONTROL_CHARACTERS, ids=char_id)
def test_a_control_character_anywhere_in_a_credential_is_refused_without_quoting_it(option, char):
    for value in (split_secret(char), HEAD + TAIL + char, char + HEAD + TAIL):
        module, result = refused(option, value)
        message = result['msg']
        assert message.startswith('%s (or %s) contains a control character' % (option, VARIABLES[option]))
        assert '\n' not in message and '\r' not in message
        assert_no_fragment(json.dumps(result))
        assert result['error'] == {'kind': 'input', 'message': message}
        # Ansible masks every no_log value in the result, the task's invocation included (-vvv):
        # token and password are no_log options; the username is masked from here.
        assert value in module.no_log_values


@pytest.mark.parametrize('option', ['token', 'username', 'password'])
@pytest.mark.parametrize('value', [' ' + HEAD, HEAD + ' ', '  %s  ' % HEAD, HEAD + '\u00a0', '\u2003' + HEAD],
                         ids=['leading', 'trailing', 'both', 'trailing-nbsp', 'leading-em-space'])
def test_surrounding_whitespace_is_refused_not_stripped(option, value):
    module, result = refused(option, value)
    assert result['msg'].startswith('%s (or %s) starts or ends with whitespace; remove it' % (option, VARIABLES[option]))
    assert 'trim' in result['msg']
    assert_no_fragment(json.dumps(result))


@pytest.mark.parametrize('credentials, authorization', [
    (dict(username='alice', password='correct horse battery'),      # whitespace inside is kept as given
     'Basic ' + base64.b64encode(b'alice:correct horse battery').decode()),
    (dict(token='eyJ.abc-123_X'), 'Bearer eyJ.abc-123_X'),
])
def test_clean_credentials_build_a_client(credentials, authorization):
    assert _connection.client_from_module(FakeModule(**credentials)).session.headers['Authorization'] == authorization


INSECURE = ('validate_certs is false: the API certificate is not verified, so credentials can be intercepted. Prefer '
            'ca_path with the CA bundle that signs the API certificate.')


@pytest.mark.parametrize('options, expected', [
    (dict(timeout=1, ca_path='/etc/ca.pem'), (BASE, '/etc/ca.pem', 1, [])),
    (dict(timeout=None, api_url='http://127.0.0.1:8080'), ('http://127.0.0.1:8080/cloudapi/v6', True, 30, [])),
    (dict(validate_certs=False, ca_path='/etc/ca.pem'), (BASE, False, 30, [INSECURE])),
    (dict(timeout=0), 'timeout must be a positive number of seconds, got 0'),
    (dict(api_url='ftp://host/v6'), 'api_url must be an http:// or https:// URL like https://api.ionos.com/cloudapi/v6; got ftp://host/v6'),
    (dict(api_url='https:///cloudapi/v6'), 'api_url must be an http:// or https:// URL like https://api.ionos.com/cloudapi/v6; '
                                           'got https:///cloudapi/v6'),
], ids=['timeout-and-ca-path', 'plain-http-default-timeout', 'insecure', 'timeout-0', 'not-http', 'no-host'])
def test_connection_options(options, expected):
    """expected: (base_url, verify, timeout, warnings) of the client built, or the InputError's message."""
    module = FakeModule(**dict(GOOD, **options))
    if isinstance(expected, str):
        with pytest.raises(InputError, match='^%s$' % re.escape(expected)):
            _connection.client_from_module(module)
    else:
        client = _connection.client_from_module(module)
        assert (client.base_url, client.verify, client.timeout, module.warnings) == expected


@pytest.mark.parametrize('environment, expected', [
    (dict(IONOS_API_URL='api.example.test', IONOS_USERNAME='alice', IONOS_PASSWORD='pw-1', IONOS_TOKEN='tok-1',
          IONOS_CONTRACT_NUMBER='31721234', IONOS_VALIDATE_CERTS='no', IONOS_CA_PATH='/etc/ca.pem'),
     dict(api_url='api.example.test', username='alice', password='pw-1', token='tok-1', contract_number=31721234,
          validate_certs=False, ca_path='/etc/ca.pem', timeout=30)),
    # AWX sets every variable of a credential type, empty when its field is: empty counts as unset.
    (dict(IONOS_API_URL='', IONOS_CONTRACT_NUMBER='', IONOS_VALIDATE_CERTS=''),
     dict(api_url='https://api.ionos.com/cloudapi/v6', username=None, password=None, token=None, contract_number=None,
          validate_certs=True, ca_path=None, timeout=30)),
], ids=['every-variable', 'empty-variables'])
def test_connection_options_fall_back_to_the_environment(monkeypatch, environment, expected):
    for name in ('IONOS_API_URL', 'IONOS_CONTRACT_NUMBER', 'IONOS_VALIDATE_CERTS', 'IONOS_CA_PATH') + tuple(VARIABLES.values()):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(_connection.auth_argument_spec()).validate({})
    assert result.validated_parameters == expected
    assert result._no_log_values == {value for value in (expected['password'], expected['token']) if value}


def test_a_refused_username_is_masked_in_the_real_module_result(capsys):
    # Through AnsibleModule.fail_json itself: the invocation that -vvv shows holds no part of the value.
    value = split_secret('\n')
    params = dict(api_url=BASE, username=value, password=API_PASSWORD)
    if 'inject_invocation' in PASS_VARS:
        # ansible-core 2.21 adds the invocation only when the controller asks, as it does by default.
        params['_ansible_inject_invocation'] = True
    with patch_module_args(params):
        with pytest.raises(SystemExit):
            backupunit_info.main()
    output = capsys.readouterr().out
    result = json.loads(output)
    assert result['failed'] is True
    assert result['msg'].startswith('username (or IONOS_USERNAME) contains a control character')
    assert 'invocation' in result and 'username' in result['invocation']['module_args']
    assert_no_fragment(output)


# A NUL in the username: see test_a_username_with_nul_is_refused_by_ansible_core_first.
@pytest.mark.parametrize('option, char', [(option, char) for option in ('token', 'username', 'password')
                                          for char in ('\n', '\r', '\x00', '\x7f')
                                          if (option, char) != ('username', '\x00')],
                         ids=lambda value: char_id(value) if len(value) == 1 else value)
def test_modules_send_no_request_with_such_a_credential(run_module, option, char):
    run = run_module(backupunit.main, secrets=(HEAD, TAIL))
    outcome = run(name='web', email='ops@example.com', backupunit_password='Unit-pass-1', **{option: split_secret(char)})
    assert outcome.failed
    assert outcome.result['msg'].startswith(option + ' (or ')
    assert run.api.calls == []


def test_a_username_with_nul_is_refused_by_ansible_core_first(run_module):
    # ansible-core logs every parameter that is not no_log (the username is not) when a module starts;
    # syslog refuses a NUL, and AnsibleModule fails before any code of the module runs. Nothing is sent,
    # but that failure is ansible-core's: its msg_to_log field holds the parameters as it logs them.
    run = run_module(backupunit.main)
    outcome = run(name='web', email='ops@example.com', backupunit_password='Unit-pass-1', username=split_secret('\x00'))
    assert outcome.failed
    assert outcome.result['msg'].startswith('Failed to log to syslog (embedded null character)') \
        or outcome.result['msg'].startswith('username (or IONOS_USERNAME) contains a control character')
    assert run.api.calls == []


# ---- the client masks every fragment, whatever broke the request ------------------------------


def client_with(option, secret, *script, session=None):
    """A client with `secret` as its token or password, over a ScriptedSession of `script` unless given a session."""
    credentials = {'token': secret} if option == 'token' else {'username': 'alice', 'password': secret}
    return ApiClient(api_url=BASE, session=session or ScriptedSession(*script), sleep=lambda seconds: None,
                     jitter=lambda: 1.0, **credentials)


@pytest.mark.parametrize('char', ['\n', '\r', '\r\n'], ids=['LF', 'CR', 'CRLF'])
def test_the_real_requests_header_error_is_masked(char):
    # The leak of issue #14: requests refuses the header and quotes it; nothing is sent.
    client = client_with('token', split_secret(char), session=requests.Session())
    with pytest.raises(IonosError) as caught:
        client.get('/backupunits')
    message = str(caught.value)
    assert 'header' in message.lower()
    assert_no_fragment(message)
    assert_no_fragment(repr(caught.value.to_dict()))


PASSPHRASE = 'my api key "42"/\u00e9'
URL = 'https://api.ionos.com/cloudapi/v6/backupunits'


@pytest.mark.parametrize('password, text, redacted', [
    # A passphrase is masked whole, in every form a message can quote it, and never word by word.
    (PASSPHRASE, 'GET %s failed (port 443): %s' % (URL, PASSPHRASE), 'GET %s failed (port 443): ********' % URL),
    (PASSPHRASE, 'repr %r' % PASSPHRASE, "repr '********'"),
    (PASSPHRASE, 'json %s' % json.dumps(PASSPHRASE), 'json "********"'),
    (PASSPHRASE, 'ascii json %s' % json.dumps(PASSPHRASE, ensure_ascii=True), 'ascii json "********"'),
    (PASSPHRASE, 'url ?p=%s' % quote(PASSPHRASE, safe=''), 'url ?p=********'),
    (PASSPHRASE, 'form p=%s' % quote_plus(PASSPHRASE), 'form p=********'),
    (PASSPHRASE, 'escaped %s' % PASSPHRASE.encode('unicode_escape').decode(), 'escaped ********'),
    (PASSPHRASE, 'sent %s' % base64.b64encode(('alice:' + PASSPHRASE).encode()).decode(), 'sent ********'),
    ('*', 'a * b', 'a ******** b'),                                                         # never rescans its own mask
    ('pw\\', 'repr %r' % 'pw\\', "repr '********'"),              # the longest form first: not its raw prefix 'pw\\'
    ('s3cret-pw', 'sent Basic ' + base64.b64encode(b'alice:s3cret-pw').decode(), 'sent Basic ********'),
], ids=['passphrase-url-readable', 'repr', 'json', 'json-ascii', 'url', 'form', 'unicode-escape', 'basic-value',
        'mask-not-rescanned', 'longest-form-first', 'basic-header'])
def test_redaction(password, text, redacted):
    assert client_with('password', password).redact(text) == redacted
