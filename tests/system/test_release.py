# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation a user reads from the installed collection, and the release checks can fail.

scripts/release_checks.sh checks the tarball, the offline install, ansible-doc and the EE on every
run of `make test`; here each way a release can go wrong breaks a copy of the repository, and the
step of the script meant to catch it (``--only STEP``) must stop with a message naming the problem.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from reliability.helpers import REPO_ROOT, clean_env, tool

VERSION = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"]
INSTALLED_DOCS = {"module": "ionoscloud.backup.backupunit", "role": "ionoscloud.backup.backupunits"}


def ansible_doc(collection_path, kind):
    completed = subprocess.run([tool("ansible-doc"), "-t", kind, "--json", INSTALLED_DOCS[kind]], text=True,
                               capture_output=True, check=False, env=clean_env(ANSIBLE_COLLECTIONS_PATH=collection_path))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)[INSTALLED_DOCS[kind]]


def test_installed_documentation_shows_the_role_options_and_the_module_environment(collection_path):
    entry = ansible_doc(collection_path, "role")["entry_points"]["main"]
    assert entry["short_description"]
    options = entry["options"]
    assert set(options) == {"backupunits", "backupunits_update_password", "backupunits_purge", "backupunits_wait",
                            "backupunits_wait_timeout"}
    assert set(options["backupunits"]["options"]) == {"name", "email", "password", "state", "update_password"}
    assert options["backupunits"]["options"]["name"]["required"] is True
    # Every variable the AWX credential type injects is documented as a fallback of the modules.
    module_doc = json.dumps(ansible_doc(collection_path, "module"))
    for variable in yaml.safe_load((REPO_ROOT / "meta" / "awx" / "credential_type.yml").read_text())["injectors"]["env"]:
        assert "E(%s)" % variable in module_doc, "%s is not documented as a fallback of the modules" % variable


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the working tree (tracked and new files, as git lists them)."""
    copy = tmp_path / "repo"
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in map(os.fsdecode, filter(None, listed)):
        if (REPO_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, copy / name)
    return copy


# (step, file, text replaced (None: a new file), new text, what the failure must say)
BREAKS = [
    pytest.param("changelog", "changelogs/fragments/broken.yml", None, "new_things:\n  - a section that does not exist\n",
                 ["FAILED: antsibull-changelog lint", "new_things"], id="broken-changelog-fragment"),
    pytest.param("docs-lint", "docs/docsite/rst/guide_module_defaults.rst", ":ansplugin:`ionoscloud.backup.backupunit#module`",
                 ":ansplugin:`ionoscloud.backup.backupunit_gone#module`",
                 ["FAILED: antsibull-docs lint-collection-docs", "there is no module ionoscloud.backup.backupunit_gone"],
                 id="guide-linking-a-missing-module"),
    pytest.param("release-notes", "galaxy.yml", "version: %s" % VERSION, "version: 99.0.0",
                 ["the release notes up to 99.0.0 do not list", "version_added"], id="version-bump-without-version_added"),
    pytest.param("tarball", "galaxy.yml", "\n  - scripts\n", "\n",
                 ["FAILED: tarball contents", "development files in the tarball", "scripts/release_checks.sh"],
                 id="development-file-in-the-tarball"),
    pytest.param("ee-context", "execution-environment.yml", "ionoscloud-backup-%s.tar.gz" % VERSION,
                 "ionoscloud-backup-0.9.0.tar.gz", ["FAILED: ansible-builder create", "ionoscloud-backup-%s.tar.gz" % VERSION],
                 id="ee-definition-naming-another-tarball"),
]


@pytest.mark.parametrize("step, path, old, new, messages", BREAKS)
def test_release_check_catches_a_broken_release(repo_copy, step, path, old, new, messages):
    target = repo_copy / path
    target.parent.mkdir(parents=True, exist_ok=True)   # git keeps no empty folder
    if old is not None:
        assert old in target.read_text(), "%s has no %r" % (path, old)
        new = target.read_text().replace(old, new)
    target.write_text(new)

    completed = subprocess.run(["bash", str(repo_copy / "scripts" / "release_checks.sh"), "--only", step], text=True,
                               capture_output=True, check=False, env=clean_env(TMPDIR=str(repo_copy.parent)), timeout=900)

    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    for message in messages:
        assert message in output
