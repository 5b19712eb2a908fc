# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The connection options every module takes, and the API client built from them.

The options are documented once, in the `ionoscloud.backup.auth` doc fragment.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.ionoscloud.backup.plugins.module_utils._client import (
    DEFAULT_API_URL,
    HAS_REQUESTS,
    ApiClient,
    InputError,
    IonosError,
    api_base_url,
)


def env_fallback(*names):
    """Like Ansible's env_fallback, except that an empty variable counts as unset.

    AWX and Ansible Automation Platform set every variable a credential type injects, as an empty
    string when its field is empty (meta/awx/credential_type.yml); an empty IONOS_CONTRACT_NUMBER
    must not fail the int conversion, nor an empty IONOS_API_URL replace the default.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


# C0 control characters and DEL. None belongs in a credential; in an HTTP header, CR and LF would
# split it, and requests quotes the rejected header value (the credential) in its error.
_CONTROL_CHARACTER_RE = re.compile(r'[\x00-\x1f\x7f]')

# The credential options with the environment variable each falls back to, in the order they are checked.
CREDENTIAL_VARIABLES = dict(token='IONOS_TOKEN', username='IONOS_USERNAME', password='IONOS_PASSWORD')


def credential_problem(value):
    """What is wrong with a credential value, in words that quote none of it; None when nothing is.

    A control character (CR, LF, NUL, tab, any other C0 character, DEL) anywhere is refused, and
    so is whitespace before or after the value: it is refused rather than stripped, because a
    credential changed behind the user's back would only fail later, as a 401 that hides why.
    """
    if _CONTROL_CHARACTER_RE.search(value):
        return ('contains a control character (CR, LF, NUL, tab, another C0 character or DEL); '
                'remove it')
    if value != value.strip():
        return ('starts or ends with whitespace; remove it '
                '(for example with the trim filter, or strip the file or variable it comes from)')
    return None


def auth_argument_spec():
    """The connection options with their environment fallbacks (a new dict on every call)."""
    return dict(
        api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, ['IONOS_API_URL'])),
        username=dict(type='str', fallback=(env_fallback, [CREDENTIAL_VARIABLES['username']])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, [CREDENTIAL_VARIABLES['password']])),
        token=dict(type='str', no_log=True, fallback=(env_fallback, [CREDENTIAL_VARIABLES['token']])),
        contract_number=dict(type='int', fallback=(env_fallback, ['IONOS_CONTRACT_NUMBER'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['IONOS_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['IONOS_CA_PATH'])),
        timeout=dict(type='int', default=30),
    )


def client_from_module(module):
    """An ApiClient for the module's connection options, checked before any request.

    Raises InputError for a credential that is missing or holds control characters or surrounding
    whitespace, a timeout that is not positive, an api_url that is not an HTTP URL. Warns about
    options that do nothing or weaken security.
    """
    if not HAS_REQUESTS:
        raise IonosError(missing_required_lib('requests'))
    params = module.params
    for option, variable in CREDENTIAL_VARIABLES.items():
        value = params.get(option)
        problem = credential_problem(value) if isinstance(value, str) and value else None
        if problem:
            # token and password are no_log; the username is not, so its value would still show in the
            # task's invocation (-vvv). Mask it there too, and quote none of it in the message.
            module.no_log_values.add(value)
            raise InputError('%s (or %s) %s; its value is not shown' % (option, variable, problem))
    token = params.get('token')
    username = params.get('username')
    password = params.get('password')
    if not token and not (username and password):
        raise InputError('No credentials: set token (or IONOS_TOKEN), or both username and password '
                         '(or IONOS_USERNAME and IONOS_PASSWORD)')
    if params.get('timeout') is not None and params['timeout'] <= 0:
        raise InputError('timeout must be a positive number of seconds, got %s' % params['timeout'])
    api_url = api_base_url(params.get('api_url'))
    parts = urlsplit(api_url)
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        raise InputError('api_url must be an http:// or https:// URL like %s; got %s'
                         % (DEFAULT_API_URL, params.get('api_url')))
    if token and password and password != os.environ.get(CREDENTIAL_VARIABLES['password']):
        # Given in the task, not inherited: likely meant for a backup unit, and it would do nothing.
        module.warn('password is ignored because token is set: password is the API user\'s password for basic '
                    'authentication, not a backup unit\'s (that is backupunit_password in backupunit, and '
                    'units[].password in backupunits)')
    if not params.get('validate_certs', True):
        module.warn('validate_certs is false: the API certificate is not verified, so credentials can be '
                    'intercepted. Prefer ca_path with the CA bundle that signs the API certificate.')
    return ApiClient(
        api_url=api_url,
        username=username,
        password=password,
        token=token,
        contract_number=params.get('contract_number'),
        validate_certs=params.get('validate_certs', True),
        ca_path=params.get('ca_path'),
        timeout=params.get('timeout') or 30,
    )


def fail(module, error, **result):
    """Fail the module with an IonosError: its one-line msg and the structured `error` key."""
    module.fail_json(msg=str(error), error=error.to_dict(), **result)
