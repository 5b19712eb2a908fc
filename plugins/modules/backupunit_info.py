#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: backupunit_info
short_description: List IONOS Cloud backup units
version_added: 1.0.0
description:
  - List the backup units of an IONOS Cloud contract through the Cloud API v6, or look up one
    unit by name or by ID.
  - Every run sends one API request, whatever the number of units, so it suits plays that run it
    once per host. When it finds units and O(contract_number) is not set, it sends one more,
    C(GET /contracts), to learn the contract number that makes each unit's RV(backupunits[].login).
  - A name or ID that matches no unit returns an empty list, not an error.
author:
  - ionoscloud.backup maintainers (@ionoscloud)
options:
  name:
    description:
      - Return only the units with this name. Without O(name) and O(id), every unit of the
        contract is returned.
      - A name with whitespace before or after it is refused before any request.
      - Mutually exclusive with O(id).
    type: str
  id:
    description:
      - Return only the unit with this ID.
      - Mutually exclusive with O(name).
    type: str
extends_documentation_fragment:
  - ionoscloud.backup.auth
  - ionoscloud.backup.attributes
  - ionoscloud.backup.attributes.actiongroup_all
  - ionoscloud.backup.attributes.info_module
notes:
  - Passwords of backup units are write-only in the API; they are never returned.
seealso:
  - module: ionoscloud.backup.backupunit
  - module: ionoscloud.backup.backupunit_sso_url
  - name: IONOS Cloud API v6 backup units
    description: The API operations this module uses.
    link: https://api.ionos.com/docs/cloud/v6/#tag/Backup-units
'''

EXAMPLES = r'''
- name: List every backup unit of the contract
  ionoscloud.backup.backupunit_info:
  register: all_units

- name: Show the names
  ansible.builtin.debug:
    msg: "{{ all_units.backupunits | map(attribute='properties.name') | list }}"

- name: Look up one unit by name, from a host variable
  ionoscloud.backup.backupunit_info:
    name: "{{ backupunit_name }}"
  register: found

- name: Fail when the unit does not exist
  ansible.builtin.assert:
    that: found.backupunits | length == 1
    fail_msg: "backup unit {{ backupunit_name }} does not exist"

- name: Look up one unit by ID, with the connection options shared through module_defaults
  module_defaults:
    group/ionoscloud.backup.all:
      token: "{{ vault_ionos_token }}"
      contract_number: 31721234
  block:
    - name: Read the unit
      ionoscloud.backup.backupunit_info:
        id: 3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
      register: by_id
'''

RETURN = r'''
backupunits:
  description:
    - The matching backup units as the API returns them, with properties and metadata.
    - Empty when no unit matches O(name) or O(id).
    - Never holds a password.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The unit's ID.
      type: str
      returned: success
      sample: 3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
    type:
      description: Always V(backupunit).
      type: str
      returned: success
      sample: backupunit
    href:
      description: The unit's URL in the API.
      type: str
      returned: success
      sample: https://api.ionos.com/cloudapi/v6/backupunits/3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
    login:
      description:
        - The user name the backup console and the backup agents log in with, V(<contract number>-<unit name>).
        - Added by the module, not by the API. Without O(contract_number), the number is read with one
          C(GET /contracts); if the API refuses that, the module warns and the key is absent.
      type: str
      returned: when the contract number is known
      sample: 31415926-webservers
    metadata:
      description: The API's metadata about the unit.
      type: dict
      returned: success
      sample:
        state: AVAILABLE
        etag: 45480eb3fbfc31f1d916c1eaa4abdcc3
        createdDate: "2026-01-15T10:22:09Z"
        createdBy: admin@example.com
        lastModifiedDate: "2026-01-15T10:22:09Z"
    properties:
      description: The unit's properties.
      type: dict
      returned: success
      contains:
        name:
          description: The unit's name.
          type: str
          returned: success
          sample: webservers
        email:
          description: The address that receives service reports.
          type: str
          returned: when set
          sample: backup-reports@example.com
error:
  description:
    - What failed, when the module fails on an API or network error.
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

from ansible_collections.ionoscloud.backup.plugins.module_utils._backupunit import BackupUnits, check_lookup, unit_properties
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import IonosError
from ansible_collections.ionoscloud.backup.plugins.module_utils._connection import auth_argument_spec, client_from_module, fail


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        name=dict(type='str'),
        id=dict(type='str'),
    )
    module = AnsibleModule(argument_spec=argument_spec, mutually_exclusive=[('name', 'id')],
                           supports_check_mode=True)
    params = module.params
    try:
        check_lookup(params['name'], params['id'])
        units = BackupUnits(client_from_module(module), params['contract_number'])
        # One request: an unknown id is a 404 (no list first), a name filters the list. Several
        # units with the name are all returned: an info module reports what exists.
        if params['id'] is not None:
            found = [unit for unit in [units.get(params['id'])] if unit]
        else:
            found = [unit for unit in units.list()
                     if params['name'] is None or unit_properties(unit).get('name') == params['name']]
    except IonosError as exc:
        fail(module, exc, changed=False)
    if found and units.contract_number is None:
        # The login is a convenience: a contract the API will not show costs a warning, not the run.
        try:
            units.contract_number = units.read_contract_number()
        except IonosError as exc:
            module.warn('units are returned without login: reading the contract number (GET /contracts) failed: '
                        '%s; set contract_number to have it' % exc)
    module.exit_json(changed=False, backupunits=[units.public(unit) for unit in found])


if __name__ == '__main__':
    main()
