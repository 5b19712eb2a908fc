# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the system suites (collection_path, emulator, run_playbook; docs/developing.md describes them),
which run real playbooks against the emulator. Their helpers: ansible_runs.py."""

from __future__ import annotations

import itertools
import sys

import pytest
import yaml

from ansible_runs import REPO_ROOT, run

sys.path.insert(0, str(REPO_ROOT / "tests" / "mock_api"))

from harness import Emulator  # noqa: E402  (tests/mock_api is put on sys.path just above)


@pytest.fixture(scope="session")
def collection_path(tmp_path_factory):
    base = tmp_path_factory.mktemp("collection")

    def galaxy(*args):
        result = run(["ansible-galaxy", "collection"] + list(args), ANSIBLE_HOME=str(base / "home"))
        assert result.returncode == 0, result.output

    galaxy("build", "--output-path", str(base), str(REPO_ROOT))
    [tarball] = base.glob("ionoscloud-backup-*.tar.gz")
    galaxy("install", "--offline", "-p", str(base / "collections"), str(tarball))
    return str(base / "collections")


@pytest.fixture
def emulator():
    with Emulator(provisioning_delay=0.05) as emu:
        yield emu


@pytest.fixture
def run_playbook(collection_path, tmp_path):
    numbers = itertools.count(1)  # every playbook of a test gets a file of its own

    def run_one(plays, *args):
        path = tmp_path / ("playbook_%d.yml" % next(numbers))
        path.write_text(yaml.safe_dump(plays, sort_keys=False, width=1000))
        return run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(path)] + list(args), cwd=tmp_path,
                   ANSIBLE_COLLECTIONS_PATH=collection_path, ANSIBLE_HOME=str(tmp_path / "home"),
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    return run_one
