# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the system suites: real playbooks, run by ansible-playbook, against the emulator.

    def test_create(emulator, emulator_env, run_playbook):
        result = run_playbook(PLAYBOOK_TEXT, env=emulator_env(emulator), diff=True)
        assert result.returncode == 0, result.output
        assert result.recap["localhost"]["changed"] == 1

Fixtures:
  collection_path   (session) ANSIBLE_COLLECTIONS_PATH holding this collection, built with
                    ``ansible-galaxy collection build`` and installed offline from the tarball,
                    exactly as a user installs it.
  emulator          (function) a fresh emulator (tests/mock_api/harness.py ``Emulator``).
  run_playbook      a function running one playbook; see ``PlaybookRunner.__call__``.
  emulator_env      a function: emulator -> the IONOS_* variables pointing the modules at it
                    (``auth="token"`` for a bearer token instead of username/password).
  parse_recap       a function: PLAY RECAP text -> {host: {"ok": N, "changed": N, ...}}.

The helpers are handed out as fixtures because ``conftest`` is not a unique module name
(tests/mock_api has one too), so ``from conftest import ...`` could pick the wrong file.
``harness`` and ``reliability.helpers`` are unique: ``from harness import Emulator`` and
``from reliability.helpers import REPO_ROOT, tool, clean_env`` work in any test here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reliability.helpers import REPO_ROOT, clean_env, tool

MOCK_API_DIR = REPO_ROOT / "tests" / "mock_api"
if str(MOCK_API_DIR) not in sys.path:
    sys.path.insert(0, str(MOCK_API_DIR))

from harness import Emulator  # noqa: E402  (tests/mock_api is put on sys.path just above)


def _emulator_env(emu, auth="basic"):
    """Environment variables that point the collection's modules at ``emu``."""
    env = {"IONOS_API_URL": emu.url}
    if auth == "token":
        env["IONOS_TOKEN"] = emu.token
    else:
        env["IONOS_USERNAME"] = emu.username
        env["IONOS_PASSWORD"] = emu.password
    return env


_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


def parse_recap_text(stdout):
    """{host: {"ok": N, "changed": N, "unreachable": N, "failed": N, "skipped": N, ...}} from PLAY RECAP."""
    recap = {}
    in_recap = False
    for line in stdout.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap:
            match = _RECAP_LINE.match(line.strip())
            if match:
                recap[match.group("host")] = {
                    key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group("counts"))
                }
    return recap


@dataclass
class PlaybookResult:
    returncode: int
    stdout: str
    stderr: str
    recap: dict = field(default_factory=dict)

    @property
    def output(self):
        """stdout and stderr together, for assertion messages and secret scans."""
        return self.stdout + "\n" + self.stderr


class PlaybookRunner:
    """Runs playbooks with ansible-playbook against localhost, with this collection installed."""

    def __init__(self, collections_path, workdir):
        self.collections_path = collections_path
        self.workdir = Path(workdir)
        self._count = 0

    def __call__(self, playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None,
                 timeout=600, args=()):
        """Run ``playbook`` (YAML text, or a path to a file) and return a PlaybookResult.

        extra_vars   dict passed as one JSON ``-e``
        env          extra environment variables (e.g. from the ``emulator_env`` fixture)
        args         further ansible-playbook arguments
        """
        self._count += 1
        if isinstance(playbook, Path) or (isinstance(playbook, str) and "\n" not in playbook and os.path.isfile(playbook)):
            playbook_path = Path(playbook)
        else:
            playbook_path = self.workdir / ("playbook_%d.yml" % self._count)
            playbook_path.write_text(playbook)

        command = [tool("ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook_path)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command += list(args)

        # Nothing from the caller's shell may redirect the modules to another API.
        run_env = clean_env(**{
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_HOME": str(self.workdir / "ansible_home"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
        })
        run_env.update(env or {})

        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=timeout,
                                   cwd=str(self.workdir), check=False)
        return PlaybookResult(returncode=completed.returncode, stdout=completed.stdout, stderr=completed.stderr,
                              recap=parse_recap_text(completed.stdout))


@pytest.fixture(scope="session")
def collection_path(tmp_path_factory):
    """Build the collection and install the tarball offline; returns the ANSIBLE_COLLECTIONS_PATH."""
    base = tmp_path_factory.mktemp("collection")
    dist = base / "dist"
    installed = base / "collections"
    galaxy = tool("ansible-galaxy")
    env = dict(os.environ, ANSIBLE_HOME=str(base / "ansible_home"), ANSIBLE_NOCOLOR="1")
    build = subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(dist), str(REPO_ROOT)],
                           capture_output=True, text=True, env=env, check=False)
    assert build.returncode == 0, "collection build failed:\n%s%s" % (build.stdout, build.stderr)
    tarballs = sorted(dist.glob("ionoscloud-backup-*.tar.gz"))
    assert len(tarballs) == 1, "expected one tarball, got %s" % tarballs
    install = subprocess.run([galaxy, "collection", "install", "--offline", "-p", str(installed), str(tarballs[0])],
                             capture_output=True, text=True, env=env, check=False)
    assert install.returncode == 0, "collection install failed:\n%s%s" % (install.stdout, install.stderr)
    assert (installed / "ansible_collections" / "ionoscloud" / "backup" / "MANIFEST.json").is_file()
    return str(installed)


@pytest.fixture
def emulator():
    """A fresh emulator for one test, stopped afterwards (short provisioning delay, as in the API)."""
    with Emulator(provisioning_delay=0.05) as emu:
        yield emu


@pytest.fixture
def run_playbook(collection_path, tmp_path):
    """``run_playbook(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, args=())``."""
    return PlaybookRunner(collection_path, tmp_path)


@pytest.fixture
def parse_recap():
    """The PLAY RECAP parser, for tests that run ansible-playbook (or `make demo`) themselves."""
    return parse_recap_text


@pytest.fixture
def emulator_env():
    return _emulator_env
