# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the system suites: real playbooks, run by ansible-playbook, against the emulator.

  collection_path  (session) an ANSIBLE_COLLECTIONS_PATH holding this collection, built with
                   ``ansible-galaxy collection build`` and installed offline, as a user installs it
  emulator         a fresh emulator (tests/mock_api/harness.py, which this file puts on sys.path)
  run_playbook     ``run_playbook(yaml_text, extra_vars=None, verbosity=0, diff=False, env=None, args=())``
                   -> PlaybookResult(returncode, output, recap)
  run_tasks        ``run_tasks(tasks, emu=None, names=None, **run_playbook_options)``: the tasks as one
                   play, which must succeed -> (PlaybookResult, {name: value} of what they registered)
"""

from __future__ import annotations

import collections
import itertools
import json
import subprocess
import sys

import pytest

from reliability.helpers import REPO_ROOT, clean_env, parse_recap, playbook, tool

sys.path.insert(0, str(REPO_ROOT / "tests" / "mock_api"))

from harness import Emulator  # noqa: E402  (tests/mock_api is put on sys.path just above)

PlaybookResult = collections.namedtuple("PlaybookResult", "returncode output recap")


class PlaybookRunner:
    """Runs playbooks with ansible-playbook against localhost, with this collection installed."""

    def __init__(self, collections_path, workdir):
        self.collections_path = collections_path
        self.workdir = workdir
        self.home = workdir / "home"          # the runs' ANSIBLE_HOME
        self.file_numbers = itertools.count(1)  # every file written here gets a number of its own

    def __call__(self, text, extra_vars=None, verbosity=0, diff=False, env=None, args=(), timeout=600):
        path = self.workdir / ("playbook_%d.yml" % next(self.file_numbers))
        path.write_text(text)
        command = [tool("ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)] + list(args)
        command += (["-e", json.dumps(extra_vars)] if extra_vars else []) + (["--diff"] if diff else [])
        command += ["-" + "v" * verbosity] if verbosity else []
        # clean_env: nothing from the caller's shell may redirect the modules to another API.
        run_env = clean_env(ANSIBLE_COLLECTIONS_PATH=self.collections_path, ANSIBLE_HOME=str(self.home),
                            ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                            ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                            **(env or {}))
        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=timeout,
                                   cwd=str(self.workdir), check=False)
        return PlaybookResult(completed.returncode, completed.stdout + "\n" + completed.stderr,
                              parse_recap(completed.stdout))

    def tasks(self, tasks, emu=None, names=None, **options):
        names = names or [task["register"] for task in tasks if "register" in task]
        saved = self.workdir / ("registered_%d.json" % next(self.file_numbers))
        save = {"name": "Save what the tasks registered", "ansible.builtin.copy": {
            "dest": str(saved), "mode": "0600",
            "content": "{{ {%s} | ansible.builtin.to_json }}" % ", ".join("'%s': %s" % (n, n) for n in names)}}
        result = self(playbook(emu, tasks=tasks + [save]), **options)
        assert result.returncode == 0, result.output[-20000:]
        return result, json.loads(saved.read_text())


@pytest.fixture(scope="session")
def collection_path(tmp_path_factory):
    base = tmp_path_factory.mktemp("collection")

    def galaxy(*args):
        completed = subprocess.run([tool("ansible-galaxy"), "collection"] + list(args), capture_output=True,
                                   text=True, env=clean_env(ANSIBLE_HOME=str(base / "home")), check=False)
        assert completed.returncode == 0, "ansible-galaxy %s failed:\n%s%s" % (args, completed.stdout, completed.stderr)

    galaxy("build", "--output-path", str(base), str(REPO_ROOT))
    [tarball] = base.glob("ionoscloud-backup-*.tar.gz")
    galaxy("install", "--offline", "-p", str(base / "collections"), str(tarball))
    assert (base / "collections" / "ansible_collections" / "ionoscloud" / "backup" / "MANIFEST.json").is_file()
    return str(base / "collections")


@pytest.fixture
def emulator():
    with Emulator(provisioning_delay=0.05) as emu:
        yield emu


@pytest.fixture
def run_playbook(collection_path, tmp_path):
    return PlaybookRunner(collection_path, tmp_path)


@pytest.fixture
def run_tasks(run_playbook):
    return run_playbook.tasks
