# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decisions: plan_unit(declared unit, unit as found) -> action, body, diff. One row per case."""

from __future__ import annotations

import pytest

from ansible_collections.ionoscloud.backup.plugins.module_utils._backupunit import plan_unit
from ansible_collections.ionoscloud.backup.plugins.module_utils._client import InputError

FOUND = {'id': 'u-1', 'properties': {'name': 'web', 'email': 'ops@example.com'}, 'metadata': {'state': 'AVAILABLE'}}
SHOWN = {'name': 'web', 'email': 'ops@example.com'}
NEW_PW = '<new password: not shown>'
OLD_PW = '<write-only: current value not readable>'


def declared(state='present', email='ops@example.com', password=None, update_password='on_create'):
    return dict(name='web', state=state, email=email, password=password, update_password=update_password)


@pytest.mark.parametrize('spec, found, action, body, diff', [
    (declared('absent'), None, None, None, None),
    (declared('absent'), FOUND, 'delete', None, dict(before=SHOWN, after={})),
    (declared(password='pw-1'), None, 'create', dict(SHOWN, password='pw-1'),
     dict(before={}, after=dict(SHOWN, password=NEW_PW))),
    (declared(email=None, password='pw-1'), None, 'create', dict(name='web', password='pw-1'),
     dict(before={}, after=dict(name='web', password=NEW_PW))),
    (declared(), FOUND, None, None, None),
    (declared(email=None), FOUND, None, None, None),                         # email not declared: left as it is
    (declared(email='OPS@Example.com'), FOUND, None, None, None),            # case only: no change
    (declared(email='new@example.com'), FOUND, 'update', dict(email='new@example.com'),
     dict(before=SHOWN, after=dict(SHOWN, email='new@example.com'))),
    (declared(password='pw-2'), FOUND, None, None, None),                    # on_create: never sent again
    (declared(password='pw-2', update_password='always'), FOUND, 'update', dict(password='pw-2'),
     dict(before=dict(SHOWN, password=OLD_PW), after=dict(SHOWN, password=NEW_PW))),
], ids=['absent-missing', 'absent-found', 'create', 'create-without-email', 'same', 'email-not-declared',
        'email-case-only', 'email-changed', 'password-on-create', 'password-always'])
def test_plan_unit(spec, found, action, body, diff):
    plan = plan_unit(spec, found)
    assert (plan.action, plan.body, plan.diff) == (action, body, diff)
    assert plan.unit is found and plan.unit_id == (found or {}).get('id')
    with pytest.raises(AttributeError):     # a decision stays a decision; what a write did is an Outcome
        plan.action = 'delete'


def test_a_unit_to_create_needs_a_password():
    with pytest.raises(InputError, match="^backupunit_password is required to create backup unit 'web'$"):
        plan_unit(declared(), None, password_option='backupunit_password')
