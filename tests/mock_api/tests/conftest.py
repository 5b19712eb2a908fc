# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the emulator's own tests: real servers in subprocesses, real HTTP."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import Emulator  # noqa: E402  (needs the path above)


@pytest.fixture(scope="module")
def emulator_process():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emu(emulator_process):
    """A running emulator in its start-up state: the defaults, today's API (untracked, immediate)."""
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def tracked(emu):
    """The 2023 document's model: tracked requests, units BUSY for 0.05 s after each write."""
    emu.configure(request_tracking=True, provisioning_delay=0.05)
    return emu


def pytest_terminal_summary(terminalreporter):
    """Say which in-memory fixes the conformance test applies to the verbatim vendor document."""
    from spec_fixes import load_fixed_spec
    terminalreporter.write_sep("-", "OpenAPI conformance: fixes applied in memory (docs/emulator.md)")
    terminalreporter.write_line("\n".join("  " + fix for fix in load_fixed_spec()[1]))
