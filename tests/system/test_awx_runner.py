# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX-style job: ansible-runner, credentials injected by the shipped credential type.

AWX renders each env injector of a credential type with a Jinja2 sandbox, over a namespace that
holds only the credential's non-empty inputs (and every boolean field, false when unset), and sets
every injector variable (an unset field renders as an empty string). It first writes each file
injector to a file of its own, named in the namespace as ``tower.filename.<label>``. `inject` does
the same, from the YAML file the collection ships; the
jobs run through ansible-runner's Python API against an emulator whose credentials are random, so
that only the injected ones can work. That the modules document these variables:
test_release.py::test_installed_documentation_shows_the_role_options_and_the_module_environment.
"""

from __future__ import annotations

import os
import secrets
import sys

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import REPO_ROOT, clean_env, playbook
from test_tls import write_self_signed_certificate  # tests/system is on sys.path (pytest prepend import mode)

CREDENTIAL_TYPE = yaml.safe_load((REPO_ROOT / "meta" / "awx" / "credential_type.yml").read_text())
FIELDS = {field["id"]: field for field in CREDENTIAL_TYPE["inputs"]["fields"]}
DEMO_PLAYBOOK = REPO_ROOT / "demo" / "demo.yml"
UNIT_PASSWORD = "{{ lookup('ansible.builtin.env', 'UNIT_PASSWORD') }}"
ROLE_PLAYBOOK = playbook(roles=["ionoscloud.backup.backupunits"], vars={"backupunits": [
    {"name": "awx-web", "email": "ops@example.com", "password": UNIT_PASSWORD},
    {"name": "awx-db", "email": "dba@example.com", "password": UNIT_PASSWORD}]})
# ansible-runner starts ansible-playbook through pexpect (forkpty); the emulator harness runs
# threads in this process, so Python warns. The child execs at once, which is safe.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")


def inject(inputs, files_dir):
    """The environment AWX gives a job for a credential of this type with these inputs (files in files_dir)."""
    assert set(inputs) <= set(FIELDS), "not inputs of the credential type: %s" % (set(inputs) - set(FIELDS))
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {name: False for name, field in FIELDS.items() if field["type"] == "boolean"}
    namespace.update({name: value for name, value in inputs.items() if value or isinstance(value, bool)})
    filenames = {}
    for label, template in CREDENTIAL_TYPE["injectors"].get("file", {}).items():
        path = files_dir / ("injected-" + label.split(".")[1])
        path.write_text(sandbox.from_string(template).render(**namespace))
        filenames[label.split(".")[1]] = str(path)
    namespace["tower"] = {"filename": filenames}
    return {var: sandbox.from_string(template).render(**namespace)
            for var, template in CREDENTIAL_TYPE["injectors"]["env"].items()}


def run_job(tmp_path, collection_path, text, injected, **extra_env):
    """Run one playbook through ansible-runner with the injected env; (Runner, what AWX shows of the job).

    What AWX shows: the job's stdout and events as ansible-runner stored them (its own
    ``artifacts/*/command`` file records the whole environment, secrets included; AWX keeps that to itself).
    """
    project = tmp_path / "job" / "project"
    project.mkdir(parents=True)
    (project / "site.yml").write_text(text)
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path / "job"), playbook="site.yml",
        inventory={"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}},
        # What the execution environment provides: the installed collection and an Ansible home.
        envvars=dict(injected, ANSIBLE_COLLECTIONS_PATH=collection_path, ANSIBLE_HOME=str(tmp_path / "ansible_home"),
                     ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false", **extra_env),
        suppress_env_files=True,  # keep the secrets out of files in the private data dir
        quiet=True, timeout=600)
    shown = []
    for artifact in (tmp_path / "job" / "artifacts").iterdir():
        shown.append((artifact / "stdout").read_text(errors="replace"))
        shown.extend(event.read_text(errors="replace") for event in sorted((artifact / "job_events").glob("*.json")))
    assert len(shown) > 2, "ansible-runner stored no events"
    return runner, "\n".join(shown)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No IONOS_* from the shell running the tests, and this venv's ansible-playbook first on PATH."""
    for name in [name for name in os.environ if name.startswith("IONOS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", clean_env()["PATH"])


@pytest.fixture
def private_emulator():
    """An emulator whose credentials exist nowhere but in this test."""
    # Hex, never a leading "-" that the emulator's argument parser would take for an option.
    # 31721234 is one of the user's contracts, so the role's contract_number is not refused (403).
    with Emulator(provisioning_delay=0.05, username="awx-" + secrets.token_hex(4), contracts=[31415926, 31721234],
                  password="pw-" + secrets.token_hex(12), token="tk-" + secrets.token_hex(16)) as emu:
        yield emu


def test_credential_type_defines_the_module_environment(tmp_path):
    assert CREDENTIAL_TYPE["kind"] == "cloud" and set(CREDENTIAL_TYPE["injectors"]) == {"env", "file"}
    assert set(CREDENTIAL_TYPE["injectors"]["env"]) == {
        "IONOS_API_URL", "IONOS_USERNAME", "IONOS_PASSWORD", "IONOS_TOKEN", "IONOS_CONTRACT_NUMBER",
        "IONOS_VALIDATE_CERTS", "IONOS_CA_PATH"}
    # Secrets are stored encrypted and never shown again; nothing else is marked secret.
    assert {name for name, field in FIELDS.items() if field.get("secret")} == {"token", "password"}
    assert all(field["type"] in ("string", "boolean") and field.get("label") for field in FIELDS.values())
    assert set(CREDENTIAL_TYPE["inputs"].get("required", [])) <= set(FIELDS)
    # Every string injector renders a defined input, and every string input reaches the modules.
    strings = {name: "<%s>" % name for name, field in FIELDS.items() if field["type"] == "string"}
    injected = inject(strings, tmp_path)
    assert (tmp_path / "injected-ca_bundle").read_text() == "<ca_bundle>"
    assert injected.pop("IONOS_CA_PATH") == str(tmp_path / "injected-ca_bundle")
    strings.pop("ca_bundle")
    assert injected.pop("IONOS_VALIDATE_CERTS") == ""  # the box left alone: the modules validate certificates
    assert sorted(injected.values()) == sorted(strings.values())
    # Ticked, it turns validation off; with no CA bundle, IONOS_CA_PATH stays empty (unset for the modules),
    # never the name of the empty file AWX writes anyway.
    injected = inject({"skip_validate_certs": True, "ca_bundle": ""}, tmp_path)
    assert injected["IONOS_VALIDATE_CERTS"] == "false" and injected["IONOS_CA_PATH"] == ""


def test_demo_playbook_runs_with_a_token_credential(private_emulator, collection_path, tmp_path):
    emu = private_emulator
    injected = inject({"api_url": emu.url, "token": emu.token}, tmp_path)
    # AWX sets the variables of the empty fields too, as empty strings.
    assert injected["IONOS_USERNAME"] == injected["IONOS_PASSWORD"] == injected["IONOS_CONTRACT_NUMBER"] == ""

    runner, shown = run_job(tmp_path, collection_path, DEMO_PLAYBOOK.read_text(), injected)

    assert runner.status == "successful" and runner.rc == 0, shown
    assert runner.stats["changed"].get("localhost", 0) >= 3, runner.stats
    log = emu.log()
    created = [e for e in log if e["method"] == "POST" and e["path"].endswith("/backupunits") and e["status"] == 202]
    deleted = [e for e in log if e["method"] == "DELETE" and e["status"] == 202]
    assert len(created) == 1 and len(deleted) == 1, log
    assert all(entry["status"] != 401 for entry in log)
    assert emu.units() == []  # the demo deletes the unit it created
    assert emu.token not in shown


def test_role_runs_with_a_basic_credential_and_contract_number(private_emulator, collection_path, tmp_path):
    emu = private_emulator
    unit_password = "unit-" + secrets.token_hex(12)
    injected = inject({"api_url": emu.url, "username": emu.username, "password": emu.password,
                       "contract_number": "31721234"}, tmp_path)
    assert injected["IONOS_TOKEN"] == ""

    runner, shown = run_job(tmp_path, collection_path, ROLE_PLAYBOOK, injected, UNIT_PASSWORD=unit_password)

    assert runner.status == "successful", shown
    assert runner.stats["changed"].get("localhost") == 1, runner.stats
    units = {unit["name"]: unit for unit in emu.units()}
    assert set(units) == {"awx-web", "awx-db"}
    assert {unit["contract"] for unit in units.values()} == {31721234}
    assert units["awx-web"]["email"] == "ops@example.com"
    assert {entry["contract"] for entry in emu.log()} == {31721234}
    assert emu.password not in shown and unit_password not in shown


def test_wrong_credential_fails_the_job_without_leaking_it(private_emulator, collection_path, tmp_path):
    emu = private_emulator
    wrong_token = "tk-" + secrets.token_hex(16)

    runner, shown = run_job(tmp_path, collection_path, ROLE_PLAYBOOK, inject({"api_url": emu.url, "token": wrong_token}, tmp_path),
                            UNIT_PASSWORD="irrelevant-1")

    assert runner.status == "failed", shown
    assert "API error 401" in shown
    assert emu.units() == []
    assert wrong_token not in shown


def test_ca_bundle_field_lets_the_modules_trust_a_self_signed_api(collection_path, tmp_path):
    cert_path, key_path = write_self_signed_certificate(tmp_path)
    with Emulator(token="tk-" + secrets.token_hex(16), tls_cert=str(cert_path), tls_key=str(key_path)) as emu:
        injected = inject({"api_url": emu.url, "token": emu.token, "ca_bundle": cert_path.read_text()}, tmp_path)
        assert injected["IONOS_VALIDATE_CERTS"] == ""  # validated, against the injected CA file
        runner, shown = run_job(tmp_path, collection_path,
                                playbook(tasks=[{"ionoscloud.backup.backupunit_info": {}}]), injected)
        assert runner.status == "successful", shown
        assert emu.log() and emu.token not in shown
