# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's metadata agrees with its code."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client

# tests/unit/plugins/module_utils/ -> the collection root (ansible-test units runs the tests from it, galaxy.yml and
# meta/ included). Here, not in tests/unit/plugins/, so ansible-test runs it on every module Python, not the controller's only.
ROOT = Path(__file__).resolve().parents[4]


def test_user_agent_names_the_version_of_galaxy_yml():
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text(encoding='utf-8'))['version']
    assert _client.COLLECTION_VERSION == version, (
        'plugins/module_utils/_client.py says COLLECTION_VERSION = %r, galaxy.yml says version %r'
        % (_client.COLLECTION_VERSION, version))
    assert _client.USER_AGENT == 'ansible-collection-ionoscloud.backup/' + version


def test_every_module_is_in_the_action_group():
    # So module_defaults: group/ionoscloud.backup.all reaches each module.
    runtime = yaml.safe_load((ROOT / 'meta' / 'runtime.yml').read_text(encoding='utf-8'))
    modules = sorted(path.stem for path in (ROOT / 'plugins' / 'modules').glob('*.py') if path.name != '__init__.py')
    assert modules and sorted(runtime['action_groups']['all']) == modules
