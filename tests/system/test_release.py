# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release artifact, and the release checks that guard it.

The first half inspects the collection as a user gets it: built with ansible-galaxy, installed
offline from the tarball (the ``collection_path`` fixture). The second half breaks a copy of
the repository in the ways a release can go wrong and proves that scripts/release_checks.sh
(which `make test` runs) stops with a message naming the problem.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
DEV_PATHS = ["tests", "scripts", "benchmarks", "extensions", "demo", "Makefile", ".ci", "docs/developing.md"]


def tool(name):
    path = BIN_DIR / name
    return str(path) if path.exists() else shutil.which(name)


def tool_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONOS_")}
    env["PATH"] = str(BIN_DIR) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(collection_path):
    return Path(collection_path) / "ansible_collections" / "ionoscloud" / "backup"


# ---------------------------------------------------------------------- the installed collection


def test_installed_copy_has_the_runtime_files_and_no_development_files(installed):
    for relative in ["meta/runtime.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt",
                     "meta/ee-bindep.txt", "meta/awx/credential_type.yml", "roles/backupunits/meta/argument_specs.yml",
                     "roles/backupunits/README.md", "changelogs/changelog.yaml", "docs/docsite/extra-docs.yml"]:
        assert (installed / relative).is_file(), relative
    for module in MODULES:
        assert (installed / "plugins" / "modules" / (module + ".py")).is_file(), module
    for relative in DEV_PATHS:
        assert not (installed / relative).exists(), "%s is in the release" % relative
    files = json.loads((installed / "FILES.json").read_text())["files"]
    leaked = [f["name"] for f in files if "__pycache__" in f["name"] or f["name"].endswith(".pyc")]
    assert leaked == []


def test_every_module_is_in_the_action_group(installed):
    runtime = yaml.safe_load((installed / "meta" / "runtime.yml").read_text())
    assert sorted(runtime["action_groups"]["all"]) == MODULES


def test_ee_metadata_declares_requests_only(installed):
    ee = yaml.safe_load((installed / "meta" / "execution-environment.yml").read_text())
    for kind in ("python", "system"):
        assert (installed / ee["dependencies"][kind]).is_file()
    python_requirements = [line.split("#")[0].strip() for line in (installed / ee["dependencies"]["python"]).read_text().splitlines()]
    assert [re.split(r"[<>=!~ ]", line)[0] for line in python_requirements if line] == ["requests"]


def test_ansible_builder_introspect_finds_the_collection_requirements(collection_path, tmp_path):
    completed = subprocess.run(
        [tool("ansible-builder"), "introspect", collection_path,
         "--write-pip", str(tmp_path / "pip.txt"), "--write-bindep", str(tmp_path / "bindep.txt")],
        capture_output=True, check=False, text=True, env=tool_env())
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "pip.txt").read_text().startswith("requests")
    assert "from collection ionoscloud.backup" in (tmp_path / "bindep.txt").read_text()


def test_role_documentation_renders_from_the_installed_copy(collection_path):
    completed = subprocess.run(
        [tool("ansible-doc"), "-t", "role", "--json", "ionoscloud.backup.backupunits"],
        capture_output=True, check=False, text=True, env=tool_env(ANSIBLE_COLLECTIONS_PATH=collection_path))
    assert completed.returncode == 0, completed.stderr
    entry = json.loads(completed.stdout)["ionoscloud.backup.backupunits"]["entry_points"]["main"]
    assert entry["short_description"]
    options = entry["options"]
    assert set(options) == {"backupunits", "backupunits_update_password", "backupunits_wait", "backupunits_wait_timeout"}
    assert set(options["backupunits"]["options"]) == {"name", "email", "password", "state", "update_password"}
    assert options["backupunits"]["options"]["name"]["required"] is True


def test_execution_environment_build_context_from_the_tarball(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(dist), str(REPO_ROOT)],
                   check=True, capture_output=True, env=tool_env(ANSIBLE_HOME=str(tmp_path / "home")))
    [tarball] = dist.glob("*.tar.gz")
    ee = tmp_path / "ee"
    ee.mkdir()
    shutil.copy(REPO_ROOT / "execution-environment.yml", ee)
    shutil.copy(tarball, ee)

    completed = subprocess.run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context"],
                               cwd=str(ee), capture_output=True, check=False, text=True, env=tool_env())

    assert completed.returncode == 0, completed.stdout + completed.stderr
    context = ee / "context"
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
    assert "ansible-galaxy collection install" in containerfile.read_text()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": "collections/" + tarball.name, "type": "file"}]
    with tarfile.open(context / "_build" / "collections" / tarball.name) as copied:
        assert "MANIFEST.json" in copied.getnames()


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
                               env=tool_env(TMPDIR=str(copy.parent)), timeout=900)
    return completed.returncode, completed.stdout + completed.stderr


def edit(path, old, new):
    text = path.read_text()
    assert old in text, "%s has no %r" % (path, old)
    path.write_text(text.replace(old, new, 1))


def test_release_checks_catch_a_development_file_in_the_tarball(repo_copy):
    edit(repo_copy / "galaxy.yml", "\n  - scripts\n", "\n")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "development files in the tarball" in output
    assert "scripts/release_checks.sh" in output
    assert "FAILED: tarball contents" in output


def test_release_checks_catch_a_broken_changelog_fragment(repo_copy):
    (repo_copy / "changelogs" / "fragments" / "broken.yml").write_text("new_things:\n  - a section that does not exist\n")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "FAILED: antsibull-changelog lint" in output
    assert "new_things" in output


def test_release_checks_catch_a_guide_linking_a_missing_module(repo_copy):
    guide = repo_copy / "docs" / "docsite" / "rst" / "guide_module_defaults.rst"
    edit(guide, ":ansplugin:`ionoscloud.backup.backupunit#module`", ":ansplugin:`ionoscloud.backup.backupunits#module`")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "FAILED: antsibull-docs lint-collection-docs" in output
    assert "there is no module ionoscloud.backup.backupunits" in output


def test_release_checks_catch_a_version_bump_that_leaves_version_added_behind(repo_copy):
    version = yaml.safe_load((repo_copy / "galaxy.yml").read_text())["version"]
    edit(repo_copy / "galaxy.yml", "version: %s" % version, "version: 99.0.0")

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "the release notes up to 99.0.0 do not list" in output
    assert "version_added" in output


def test_release_checks_catch_an_ee_definition_naming_another_tarball(repo_copy):
    version = yaml.safe_load((repo_copy / "galaxy.yml").read_text())["version"]
    ee = repo_copy / "execution-environment.yml"
    ee.write_text(ee.read_text().replace("ionoscloud-backup-%s.tar.gz" % version, "ionoscloud-backup-0.9.0.tar.gz"))

    status, output = release_checks(repo_copy)

    assert status != 0, output
    assert "ok: offline install" in output
    assert "FAILED: ansible-builder create" in output
    assert "ionoscloud-backup-%s.tar.gz" % version in output
