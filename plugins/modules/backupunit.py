#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: backupunit
short_description: Create, update and delete IONOS Cloud backup units
version_added: 1.0.0
description:
  - Create, update or delete a backup unit of the IONOS Cloud API v6.
  - The name identifies the unit; an existing unit can also be addressed by its O(id), as the
    vendor's module allows. Names are unique per contract and cannot be changed; a unit is never
    deleted and recreated to apply a change, because deleting a unit destroys all of its backups.
  - An existing unit's email is changed in place. Its password is write-only in the API, so
    it is only set again when O(update_password=always).
author:
  - ionoscloud.backup maintainers (@ionoscloud)
options:
  name:
    description:
      - Name of the backup unit. Together with the contract number it forms the unit's login
        C(<contract number>-<name>).
      - Required to create a unit. With O(id), it must be the unit's name, if given.
      - The API documents no rules for names. A name that is empty, or that has whitespace before
        or after it, is refused before any request.
    type: str
  id:
    description:
      - ID of an existing backup unit, to update or delete it without knowing its name.
      - With O(state=present), a unit with this ID must exist; a unit is created only by O(name).
      - With O(state=absent), an ID that no unit has is no change.
    type: str
    version_added: 3.0.0
  email:
    description:
      - Address that receives the unit's service reports. It need not be the API user's address.
      - Must have the form C(name@domain); anything else fails the task before any request.
      - Left unchanged on an existing unit when not set.
      - Compared without regard to case, as the vendor's Terraform provider compares it, so an
        address that differs only in case is no change.
    type: str
    aliases: [backupunit_email]
  backupunit_password:
    description:
      - Password of the backup unit's login. Required to create a unit.
      - The API never returns it, so it cannot be compared; see O(update_password).
      - Not to be confused with O(password), the API user's password for basic authentication.
        (In M(ionoscloud.backup.backupunits) and the role, a unit's password is C(password).)
        A task that sets O(password) together with O(token) gets a warning that O(password) is ignored.
    type: str
  update_password:
    description:
      - V(on_create) sets O(backupunit_password) only when the unit is created.
      - V(always) sets it on every run, and the task then reports a change. It needs
        O(backupunit_password); without it, or with an empty one, the task fails before any request.
    type: str
    choices: [always, on_create]
    default: on_create
  state:
    description:
      - V(present) creates the unit or updates it in place; V(absent) deletes it, with all its backups.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the API has finished the change, and return the unit as it is then.
      - When a DELETE fails or its answer is lost, the module reads the unit back. Unless it is
        gone or clearly being deleted, it waits up to O(wait_timeout) to learn the outcome, even
        with O(wait=false), and reports the DELETE's error if the unit stays.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true).
    type: int
    default: 600
extends_documentation_fragment:
  - ionoscloud.backup.auth
  - ionoscloud.backup.attributes
  - ionoscloud.backup.attributes.actiongroup_all
  - ionoscloud.backup.attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - Only reads; predicts RV(ignore:changed) as a real run would and returns the predicted unit.
  diff_mode:
    support: full
    details:
      - Shows the unit's name and email before and after. A password shows only as a placeholder,
        and only when it would be set.
seealso:
  - module: ionoscloud.backup.backupunit_info
  - module: ionoscloud.backup.backupunit_sso_url
  - name: IONOS Cloud API v6 backup units
    description: The API operations this module uses.
    link: https://api.ionos.com/docs/cloud/v6/#tag/Backup-units
'''

EXAMPLES = r'''
- name: Create a backup unit, or set its email if it exists
  ionoscloud.backup.backupunit:
    name: webservers
    email: backup-reports@example.com
    backupunit_password: "{{ vault_backupunit_password }}"

- name: Rotate the password of an existing unit
  ionoscloud.backup.backupunit:
    name: webservers
    backupunit_password: "{{ vault_new_backupunit_password }}"
    update_password: always

- name: Delete a unit known only by its ID (as the vendor's module allows)
  ionoscloud.backup.backupunit:
    id: 3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
    state: absent

- name: Share the connection options between tasks
  module_defaults:
    group/ionoscloud.backup.all:
      token: "{{ vault_ionos_token }}"
      contract_number: 31721234
  block:
    - name: Delete a backup unit and all of its backups
      ionoscloud.backup.backupunit:
        name: old-unit
        state: absent
'''

RETURN = r'''
backupunit:
  description:
    - The backup unit after the change; read again when O(wait=true). Never holds a password.
    - In check mode, the predicted unit (without RV(backupunit.id) when it would be created).
    - For O(state=absent), the unit as it was before deletion, or V(null) when none existed.
  returned: always
  type: dict
  contains:
    id:
      description: The unit's id.
      type: str
      returned: when the unit exists
      sample: 3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
    type:
      description: Always V(backupunit).
      type: str
      returned: success
      sample: backupunit
    href:
      description: The unit's URL in the API.
      type: str
      returned: when the unit exists
      sample: https://api.ionos.com/cloudapi/v6/backupunits/3f7a1c2e-93b4-4d6e-8a1f-5b2c9d0e7f61
    login:
      description:
        - The user name the backup console and the backup agents log in with, V(<contract number>-<unit name>).
        - Added by the module, not by the API, at no extra request.
        - Absent when O(contract_number) (E(IONOS_CONTRACT_NUMBER)) is not set, since learning the
          contract number would cost another API request. M(ionoscloud.backup.backupunit_info)
          returns it without O(contract_number).
      type: str
      returned: when O(contract_number) is set and the unit exists
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
    - What failed, when the module fails on an API, network or wait error.
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

from ansible_collections.ionoscloud.backup.plugins.module_utils._backupunit import BackupUnits, check_lookup, check_unit
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import IonosError
from ansible_collections.ionoscloud.backup.plugins.module_utils._connection import auth_argument_spec, client_from_module, fail


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        name=dict(type='str'),
        id=dict(type='str'),
        email=dict(type='str', aliases=['backupunit_email']),
        backupunit_password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create', no_log=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )
    module = AnsibleModule(argument_spec=argument_spec, required_one_of=[('name', 'id')], supports_check_mode=True)
    params = module.params
    spec = dict(name=params['name'], email=params['email'], password=params['backupunit_password'],
                update_password=params['update_password'], state=params['state'])
    label = 'backup unit %r' % params['name'] if params['name'] is not None else 'backup unit with id %r' % params['id']
    units = None
    try:
        check_lookup(params['name'], params['id'], params['wait_timeout'])
        check_unit(spec, label, 'backupunit_password')
        units = BackupUnits(client_from_module(module), params['contract_number'], module.check_mode)
        plan, dummy, unit = units.converge_one(spec, params['id'], params['wait'], params['wait_timeout'])
    except IonosError as exc:
        fail(module, exc, changed=bool(units and units.changed))
    result = dict(changed=units.changed, backupunit=units.public(unit))
    if module._diff and plan.diff is not None:
        result['diff'] = plan.diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
