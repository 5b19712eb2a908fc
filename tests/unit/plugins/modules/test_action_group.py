# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/runtime.yml's action group holds every module, so module_defaults: group/ionoscloud.backup.all reaches each."""

from __future__ import annotations

import os

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')


def test_every_module_is_in_the_action_group():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle)
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                     if name.endswith('.py') and name != '__init__.py')
    assert modules and sorted(runtime['action_groups']['all']) == modules
