# Copyright (c) ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures over the test doubles of fakes.py (import the doubles from there, never from here)."""

from __future__ import annotations

import pytest

# Before the import: pytest then shows what differs when an assert of fakes.play() fails.
pytest.register_assert_rewrite('ansible_collections.ionoscloud.backup.tests.unit.plugins.fakes')

from ansible_collections.ionoscloud.backup.tests.unit.plugins import fakes  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def clock():
    return fakes.FakeClock()


@pytest.fixture
def make_client(clock):
    """make_client(*script, **client_kwargs) -> (client, session), with time and jitter faked."""
    return fakes.client_factory(clock)


@pytest.fixture
def http():
    """Builders for scripted answers: http.response(...), http.error(status, code, message), http.exceptions."""
    return fakes.Http


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, secrets=()) -> run(**module_args) -> ModuleExit, over a FakeApi (see fakes.module_runner)."""
    return fakes.module_runner(monkeypatch)
