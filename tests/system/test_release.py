# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release checks (scripts/release_checks.sh, which `make test` runs) can fail, and the role's
documentation as a user reads it.

scripts/release_checks.sh itself checks the tarball's contents, the offline install, ansible-doc,
the EE requirements and the EE build context on every run; this file does not repeat those steps.
It breaks a copy of the repository in the ways a release can go wrong and proves that the check
meant to catch each one stops with a message naming the problem: the first three through the
whole script (they fail in its first three steps, before any build), the tarball and EE checks by
running just that step's code, taken from the script, on what the break produces, so that proving
them costs neither the docsite build nor galaxy-importer.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess

import pytest
import yaml

from reliability.helpers import REPO_ROOT, clean_env, tool

RELEASE_CHECKS = REPO_ROOT / "scripts" / "release_checks.sh"


# ---------------------------------------------------------------------- the installed collection


def test_role_documentation_renders_from_the_installed_copy(collection_path):
    completed = subprocess.run(
        [tool("ansible-doc"), "-t", "role", "--json", "ionoscloud.backup.backupunits"],
        capture_output=True, check=False, text=True, env=clean_env(ANSIBLE_COLLECTIONS_PATH=collection_path))
    assert completed.returncode == 0, completed.stderr
    entry = json.loads(completed.stdout)["ionoscloud.backup.backupunits"]["entry_points"]["main"]
    assert entry["short_description"]
    options = entry["options"]
    assert set(options) == {"backupunits", "backupunits_update_password", "backupunits_purge", "backupunits_wait",
                            "backupunits_wait_timeout"}
    assert set(options["backupunits"]["options"]) == {"name", "email", "password", "state", "update_password"}
    assert options["backupunits"]["options"]["name"]["required"] is True


# -------------------------------------------------------------- the release checks can fail


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the working tree (tracked and new files, as git lists them)."""
    copy = tmp_path / "repo"
    copy.mkdir()
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO_ROOT / os.fsdecode(name)
        if source.is_file():
            target = copy / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return copy


def release_checks(copy):
    completed = subprocess.run(["bash", str(copy / "scripts" / "release_checks.sh")], capture_output=True, check=False, text=True,
                               env=clean_env(TMPDIR=str(copy.parent)), timeout=900)
    return completed.returncode, completed.stdout + completed.stderr


def edit(path, old, new):
    text = path.read_text()
    assert old in text, "%s has no %r" % (path, old)
    path.write_text(text.replace(old, new, 1))


def test_release_checks_catch_a_broken_changelog_fragment(repo_copy):
    (repo_copy / "changelogs" / "fragments").mkdir(exist_ok=True)   # git keeps no empty folder
    (repo_copy / "changelogs" / "fragments" / "broken.yml").write_text("new_things:\n  - a section that does not exist\n")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "FAILED: antsibull-changelog lint" in output
    assert "new_things" in output


def test_release_checks_catch_a_guide_linking_a_missing_module(repo_copy):
    guide = repo_copy / "docs" / "docsite" / "rst" / "guide_module_defaults.rst"
    edit(guide, ":ansplugin:`ionoscloud.backup.backupunit#module`", ":ansplugin:`ionoscloud.backup.backupunit_gone#module`")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "FAILED: antsibull-docs lint-collection-docs" in output
    assert "there is no module ionoscloud.backup.backupunit_gone" in output


def test_release_checks_catch_a_version_bump_that_leaves_version_added_behind(repo_copy):
    version = yaml.safe_load((repo_copy / "galaxy.yml").read_text())["version"]
    edit(repo_copy / "galaxy.yml", "version: %s" % version, "version: 99.0.0")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "the release notes up to 99.0.0 do not list" in output
    assert "version_added" in output


def script_part(start, end):
    """The lines of release_checks.sh from the one holding ``start`` to the one holding ``end``."""
    text = RELEASE_CHECKS.read_text()
    assert start in text and end in text, "release_checks.sh no longer has %r ... %r" % (start, end)
    first = text.index(start)
    last = text.index(end, first) + len(end)
    return text[text.rfind("\n", 0, first) + 1:text.find("\n", last - 1) + 1]


def run_step(copy, step, **variables):
    """Run one step of release_checks.sh (bash, with its fail/ok and the variables it reads)."""
    prologue = "set -euo pipefail\n" + script_part("fail() {", "ok() {") + "\n"
    prologue += "".join("%s=%s\n" % (name, shlex.quote(str(value))) for name, value in variables.items())
    completed = subprocess.run(["bash", "-c", prologue + step], cwd=str(copy), capture_output=True, check=False,
                               text=True, env=clean_env(TMPDIR=str(copy.parent)), timeout=300)
    return completed.returncode, completed.stdout + completed.stderr


def build(copy):
    """ansible-galaxy collection build of ``copy``: (tarball path, its file name)."""
    dist = copy.parent / "dist"
    subprocess.run([tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(dist), str(copy)],
                   check=True, capture_output=True, env=clean_env(ANSIBLE_HOME=str(copy.parent / "home")))
    [tarball] = dist.glob("*.tar.gz")
    return tarball, tarball.name


def test_tarball_check_catches_a_development_file(repo_copy):
    edit(repo_copy / "galaxy.yml", "\n  - scripts\n", "\n")
    tarball, _name = build(repo_copy)
    modules = " ".join(sorted(p.stem for p in (repo_copy / "plugins" / "modules").glob("*.py")))
    step = script_part('python3 - "$tarball" "${modules[@]}" <<\'PY\'', "\nPY")

    status, output = run_step(repo_copy, step.replace('"${modules[@]}"', modules), tarball=tarball)

    assert status != 0, output
    assert "development files in the tarball" in output
    assert "scripts/release_checks.sh" in output
    assert "FAILED: tarball contents" in output


def test_ee_check_catches_a_definition_naming_another_tarball(repo_copy):
    version = yaml.safe_load((repo_copy / "galaxy.yml").read_text())["version"]
    ee = repo_copy / "execution-environment.yml"
    ee.write_text(ee.read_text().replace("ionoscloud-backup-%s.tar.gz" % version, "ionoscloud-backup-0.9.0.tar.gz"))
    tarball, name = build(repo_copy)
    work = repo_copy.parent / "work"
    work.mkdir()
    step = script_part("# 10. Build context", 'ok "ansible-builder create: build context installs $tarball_name"')

    status, output = run_step(repo_copy, step, repo=repo_copy, work=work, tarball=tarball, tarball_name=name)

    assert status != 0, output
    assert "FAILED: ansible-builder create" in output
    assert "ionoscloud-backup-%s.tar.gz" % version in output
