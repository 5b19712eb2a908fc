#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: backupunit_sso_url
short_description: Get the single sign-on URL of an IONOS Cloud backup unit's portal
version_added: 1.0.0
description:
  - Get a single sign-on URL that logs in to the backup portal of one backup unit, through the
    IONOS Cloud API v6.
  - The unit is chosen by O(name) or by O(id); exactly one of them is required.
  - This module only reads. It never changes anything, always reports RV(ignore:changed=false)
    and runs normally in check mode. It keeps the name users know it by, although it does not
    end in C(_info); its attributes below state that it is read-only.
  - B(The URL is a secret.) It carries a short-lived login token, so anybody who sees it can
    log in to the backup portal as the unit until the token expires. The module returns it,
    since that is its purpose, but never puts it into a message or a warning. Set the task
    keyword C(no_log) to C(true) on the task that runs this module and registers the result,
    so the URL does not show in the output or the logs (see the examples).
author:
  - ionoscloud.backup maintainers (@ionoscloud)
options:
  name:
    description:
      - Name of the backup unit. The module fails when no unit, or more than one unit, has this
        name.
      - Exactly one of O(name) and O(id) is required.
    type: str
  id:
    description:
      - ID of the backup unit. The module fails when no unit has this ID.
      - Exactly one of O(name) and O(id) is required.
    type: str
extends_documentation_fragment:
  - ionoscloud.backup.auth
  - ionoscloud.backup.attributes
  - ionoscloud.backup.attributes.actiongroup_all
  - ionoscloud.backup.attributes.info_module
notes:
  - With O(id), the module sends one API request; with O(name), two (one to find the unit,
    one for the URL).
  - Every run returns a new URL with a new token.
seealso:
  - module: ionoscloud.backup.backupunit
  - module: ionoscloud.backup.backupunit_info
  - name: IONOS Cloud API v6 backup units
    description: The API operation this module uses.
    link: https://api.ionos.com/docs/cloud/v6/#tag/Backup-units/operation/backupunitsSsourlGet
'''

EXAMPLES = r'''
- name: Get the portal login URL of a backup unit (no_log keeps the token out of the output)
  ionoscloud.backup.backupunit_sso_url:
    name: webservers
  register: portal
  no_log: true

- name: Hand the URL over in a file only its owner can read, without printing it
  ansible.builtin.copy:
    content: "{{ portal.sso_url }}\n"
    dest: "{{ lookup('ansible.builtin.env', 'HOME') }}/webservers-backup-portal.url"
    mode: "0600"
  delegate_to: localhost
  no_log: true

- name: Report which host the URL points at, never the URL itself
  ansible.builtin.debug:
    msg: "Backup portal: {{ portal.sso_url | ansible.builtin.urlsplit('hostname') }}"

- name: Get the URL by unit ID, with the connection options shared through module_defaults
  module_defaults:
    group/ionoscloud.backup.all:
      token: "{{ vault_ionos_token }}"
  block:
    - name: Get the URL
      ionoscloud.backup.backupunit_sso_url:
        id: 3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
      register: portal_by_id
      no_log: true
'''

RETURN = r'''
sso_url:
  description:
    - The single sign-on URL of the unit's backup portal.
    - B(Secret:) it carries a short-lived login token. Register it from a task whose
      C(no_log) keyword is C(true), and do not print it.
  returned: success
  type: str
  sample: https://backup.ionos.com/api/2/idp/external-login#ott=<one-time token>&targetURI=https://backup.ionos.com/bc
error:
  description:
    - What failed, when the module fails on an API or network error, or finds no unit.
    - Its keys are those of RV(ionoscloud.backup.backupunits#module:error).
  returned: failure
  type: dict
  sample:
    kind: api
    status: 401
    code: "315"
    message: Unauthorized
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ionoscloud.backup.plugins.module_utils._backupunit import BackupUnits, check_lookup
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import IonosError
from ansible_collections.ionoscloud.backup.plugins.module_utils._connection import auth_argument_spec, client_from_module, fail


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        name=dict(type='str'),
        id=dict(type='str'),
    )
    module = AnsibleModule(argument_spec=argument_spec, required_one_of=[('name', 'id')],
                           mutually_exclusive=[('name', 'id')], supports_check_mode=True)
    params = module.params
    try:
        check_lookup(params['name'], params['id'])
        sso_url = BackupUnits(client_from_module(module)).sso_url(params['name'], params['id'])
    except IonosError as exc:
        fail(module, exc, changed=False)
    # Ansible masks every no_log value (password, token) wherever it occurs in a result, so a
    # credential that happens to occur inside the URL would silently break the returned URL.
    if any(secret and secret in sso_url for secret in module.no_log_values):
        module.warn('a no_log option value (a credential) occurs inside the SSO URL, so Ansible masks part of the '
                    'returned sso_url and it will not work; use a longer credential')
    module.exit_json(changed=False, sso_url=sso_url)


if __name__ == '__main__':
    main()
