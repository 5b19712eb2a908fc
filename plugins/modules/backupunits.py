#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: backupunits
short_description: Converge a declared list of IONOS Cloud backup units in one pass
version_added: 2.0.0
description:
  - Creates, updates and deletes backup units so that they match the list O(units), in one pass
    whatever the length of the list; the role C(ionoscloud.backup.backupunits) calls it once.
  - It reads every unit of the contract once, then sends every create, update and delete without
    waiting in between, then waits for all of them together, bounded by one O(wait_timeout). An
    unchanged list costs one API request.
  - Each unit is decided as M(ionoscloud.backup.backupunit) decides it. A unit is never deleted and
    recreated to apply a change, because deleting a unit destroys all of its backups.
  - The whole list is checked before the first write (names listed twice, invalid emails, names with
    surrounding whitespace, a missing password for a unit that must be created or with
    O(update_password=always)); bad input fails the task, naming the entry by its index and name, and
    changes nothing.
  - The result's RV(msg) names what the run did (in check mode, would do) to which unit.
  - When the API refuses one unit's write, or the unit fails or times out, the other units still
    converge, and the task fails at the end naming each failed unit and why.
  - Units of the contract that the list does not declare are returned in RV(undeclared) and left
    alone, unless O(purge=true).
author:
  - ionoscloud.backup maintainers (@ionoscloud)
options:
  units:
    description:
      - The backup units to manage.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the backup unit; it identifies the unit and cannot be changed.
        type: str
        required: true
      email:
        description:
          - Address that receives the unit's service reports. Left unchanged when not set.
          - Compared without regard to case, so an address that differs only in case is no change.
        type: str
      password:
        description:
          - Password of the backup unit's login. Required to create a unit, and with
            O(units[].update_password=always). Never shown in the output.
          - This is the unit's password. (In M(ionoscloud.backup.backupunit) it is C(backupunit_password);
            there, C(password) is the API user's.)
        type: str
      state:
        description:
          - V(present) creates the unit or updates it in place; V(absent) deletes it, with all its backups.
        type: str
        choices: [present, absent]
        default: present
      update_password:
        description:
          - Overrides O(update_password) for this unit.
        type: str
        choices: [always, on_create]
  update_password:
    description:
      - V(on_create) sets a unit's password only when the unit is created.
      - V(always) sets it on every run, and the unit is then reported as changed.
    type: str
    choices: [always, on_create]
    default: on_create
  purge:
    description:
      - Delete every unit of the contract that O(units) does not declare.
      - B(Deleting a unit deletes all of its backups.) Try it in check mode first, which lists
        what would be deleted in RV(purged).
      - Refused, before any request, when O(units) is empty or declares no unit with O(units[].state=present),
        since such a list is more often a variable that did not load than a wish to delete every unit. To
        delete units on purpose, list them with O(units[].state=absent).
    type: bool
    default: false
  wait:
    description:
      - Wait until the API has finished every change, and return the units as they are then.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for all the changes together when O(wait=true).
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
      - Only reads; returns per unit exactly what a real run would do, and what O(purge) would delete.
  diff_mode:
    support: full
    details:
      - One diff per changed unit, headed by its name, with name and email before and after. A password
        shows only as a placeholder, and only when it would be set.
seealso:
  - module: ionoscloud.backup.backupunit
  - module: ionoscloud.backup.backupunit_info
'''

EXAMPLES = r'''
- name: Converge the contract's backup units
  ionoscloud.backup.backupunits:
    units:
      - name: webservers
        email: web-team@example.com
        password: "{{ vault_webservers_password }}"
      - name: databases
        email: dba@example.com
        password: "{{ vault_databases_password }}"
      - name: old-unit
        state: absent
  register: converged

- name: Show the units the list does not declare (left alone)
  ansible.builtin.debug:
    msg: "{{ converged.undeclared | map(attribute='properties.name') | list }}"

- name: Delete every unit the list does not declare, and all of their backups
  ionoscloud.backup.backupunits:
    units: "{{ declared_units }}"
    purge: true
'''

RETURN = r'''
msg:
  description:
    - What the run did, by name, in one line; in check mode what it would do. Unchanged units are counted.
    - On failure, the failed units and why, then what happened to the others.
  returned: always
  type: str
  sample: "created: webservers; updated: databases; deleted: old-unit; 3 unchanged; not declared, left alone: test"
backupunits:
  description:
    - One entry per declared unit, in the order of O(units), then one per unit deleted by O(purge).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The unit's name.
      type: str
      returned: always
      sample: webservers
    action:
      description: What the run did (or in check mode would do) to the unit.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: create
    changed:
      description: Whether the unit changed (or in check mode would change).
      type: bool
      returned: always
    purged:
      description: Whether the unit is deleted because O(purge) found it undeclared.
      type: bool
      returned: always
    backupunit:
      description:
        - The unit as it is after the run, as M(ionoscloud.backup.backupunit) returns it (with C(login)
          when O(contract_number) is set); in check mode the predicted unit.
        - V(null) for a unit that does not exist after the run.
      type: dict
      returned: always
    failed:
      description: Present and V(true) when this unit's change failed.
      type: bool
      returned: when the unit failed
    msg:
      description: Why this unit's change failed.
      type: str
      returned: when the unit failed
      sample: "API error 422 200: [VDC-5-1921] The attribute 'email' is invalid"
undeclared:
  description:
    - The units of the contract that O(units) does not declare, as they were before the run.
    - Left alone unless O(purge=true).
  returned: success
  type: list
  elements: dict
purged:
  description: The names of the undeclared units deleted (in check mode, that would be deleted) by O(purge).
  returned: success
  type: list
  elements: str
  sample: [old-unit]
error:
  description: What failed, when the module fails before or while reading (input, API, network).
  returned: failure
  type: dict
  contains:
    kind:
      description: >-
        What kind of failure: V(input) (an option or a declared unit refused, before any request or any
        write), V(client) (a state the module refuses to guess about, such as two units with one name),
        V(api) (an HTTP error answer), V(transport) (no usable answer), V(answer_lost) (a write whose
        answer was lost), V(request_failed), V(wait_timeout).
      type: str
      returned: always
      sample: api
    message:
      description: The failure in one line, without secrets.
      type: str
      returned: always
      sample: "[VDC-5-1921] The attribute 'email' is invalid"
    status:
      description: The HTTP status of the API's answer.
      type: int
      returned: when the API answered
      sample: 422
    code:
      description: The API's error code(s), comma-separated.
      type: str
      returned: when the API gave one
      sample: "200"
    hint:
      description: What to fix, for failures whose cause is known.
      type: str
      returned: when known
      sample: the API rejected a value; fix the option named in the message
    method:
      description: The HTTP method of the failed request.
      type: str
      returned: when a request failed
      sample: POST
    url:
      description: The URL of the failed request.
      type: str
      returned: when a request failed
      sample: https://api.ionos.com/cloudapi/v6/backupunits
    request_id:
      description: The API's request id, which IONOS support asks for.
      type: str
      returned: when known
      sample: 5714273d-1b2c-4d5e-8f90-a1b2c3d4e5f6
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ionoscloud.backup.plugins.module_utils._backupunit import (
    BackupUnits,
    check_list,
    check_lookup,
    list_result,
)
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import IonosError
from ansible_collections.ionoscloud.backup.plugins.module_utils._connection import auth_argument_spec, client_from_module, fail


def main():
    argument_spec = auth_argument_spec()
    argument_spec.update(
        units=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            email=dict(type='str'),
            password=dict(type='str', no_log=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            update_password=dict(type='str', choices=['always', 'on_create'], no_log=False),
        )),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create', no_log=False),
        purge=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    specs = [dict(spec, update_password=spec['update_password'] or params['update_password']) for spec in params['units']]
    units = None
    try:
        check_lookup(wait_timeout=params['wait_timeout'])
        check_list(specs, params['purge'])
        units = BackupUnits(client_from_module(module), params['contract_number'], module.check_mode)
        outcomes, undeclared = units.converge_list(specs, params['purge'], params['wait'], params['wait_timeout'])
    except IonosError as exc:
        fail(module, exc, changed=bool(units and units.changed))
    result = list_result(units, outcomes, undeclared, params['purge'], params['wait'], module._diff)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
