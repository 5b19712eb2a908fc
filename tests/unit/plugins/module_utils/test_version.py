# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The User-Agent names the collection's version: COLLECTION_VERSION must follow galaxy.yml's."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.ionoscloud.backup.plugins.module_utils import _client

# tests/unit/plugins/module_utils/ -> the collection root (ansible-test units runs the tests from it, galaxy.yml included).
GALAXY_YML = Path(__file__).resolve().parents[4] / 'galaxy.yml'


def test_collection_version_is_galaxy_yml_version():
    assert GALAXY_YML.is_file(), 'galaxy.yml not found at %s' % GALAXY_YML
    version = yaml.safe_load(GALAXY_YML.read_text(encoding='utf-8'))['version']
    assert _client.COLLECTION_VERSION == version, (
        'plugins/module_utils/_client.py says COLLECTION_VERSION = %r, galaxy.yml says version %r'
        % (_client.COLLECTION_VERSION, version))
    assert _client.USER_AGENT == 'ansible-collection-ionoscloud.backup/' + version
