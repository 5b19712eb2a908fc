# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX-style job: ansible-runner, credentials injected by the shipped credential type.

AWX renders each env injector of a credential type with a Jinja2 sandbox, over a namespace
that holds only the credential's non-empty inputs, and sets every injector variable (an
unset field renders as an empty string). `inject` below does the same, from the YAML file the
collection ships, and the jobs run through ansible-runner's Python API against the emulator,
whose credentials are random so that only the injected ones can work. That the modules document
these variables: test_release.py::test_installed_documentation_shows_the_role_options_and_the_module_environment.
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
from reliability.helpers import BIN_DIR, REPO_ROOT
CREDENTIAL_TYPE = REPO_ROOT / "meta" / "awx" / "credential_type.yml"
DEMO_PLAYBOOK = REPO_ROOT / "demo" / "demo.yml"
# ansible-runner starts ansible-playbook through pexpect (forkpty); the emulator harness runs
# threads in this process, so Python warns. The child execs at once, which is safe.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")

MODULE_ENV_VARS = {"IONOS_API_URL", "IONOS_USERNAME", "IONOS_PASSWORD", "IONOS_TOKEN", "IONOS_CONTRACT_NUMBER"}

ROLE_PLAYBOOK = """\
- name: Converge backup units from an AWX job
  hosts: localhost
  gather_facts: false
  vars:
    backupunits:
      - name: awx-web
        email: ops@example.com
        password: "{{ lookup('ansible.builtin.env', 'UNIT_PASSWORD') }}"
      - name: awx-db
        email: dba@example.com
        password: "{{ lookup('ansible.builtin.env', 'UNIT_PASSWORD') }}"
  roles:
    - role: ionoscloud.backup.backupunits
"""


def load_credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def inject(credential_type, inputs):
    """The environment AWX gives a job for a credential of this type with these inputs."""
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    namespace = {}
    for name, value in inputs.items():
        assert name in fields, "%s is not an input of the credential type" % name
        if value:
            namespace[name] = value
    sandbox = ImmutableSandboxedEnvironment()
    return {var: sandbox.from_string(template).render(**namespace)
            for var, template in credential_type["injectors"]["env"].items()}


def run_job(tmp_path, collection_path, playbook, injected_env, extra_env=None):
    """Run one playbook through ansible-runner with the injected env; return the Runner."""
    private_data_dir = tmp_path / "job"
    project = private_data_dir / "project"
    project.mkdir(parents=True)
    (project / "site.yml").write_text(playbook)
    envvars = dict(injected_env)
    envvars.update(extra_env or {})
    envvars.update({
        # What the execution environment provides: the installed collection and an Ansible home.
        "ANSIBLE_COLLECTIONS_PATH": collection_path,
        "ANSIBLE_HOME": str(tmp_path / "ansible_home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
    })
    return ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook="site.yml",
        inventory={"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}},
        envvars=envvars,
        suppress_env_files=True,  # keep the secrets out of files in the private data dir
        quiet=True,
        timeout=600,
    )


def job_output(runner):
    return runner.stdout.read()


def shown_to_users(tmp_path):
    """What AWX shows of a job: its stdout and its events, as ansible-runner stored them.

    (ansible-runner's own ``artifacts/*/command`` file records the whole environment, secrets
    included; AWX keeps that to itself, so it is not scanned.)
    """
    texts = []
    for artifact in (tmp_path / "job" / "artifacts").iterdir():
        texts.append((artifact / "stdout").read_text(errors="replace"))
        texts.extend(event.read_text(errors="replace") for event in sorted((artifact / "job_events").glob("*.json")))
    assert len(texts) > 2, "ansible-runner stored no events"
    return "\n".join(texts)


@pytest.fixture
def clean_environment(monkeypatch):
    """No IONOS_* from the shell running the tests, and this venv's ansible-playbook first on PATH."""
    for name in list(os.environ):
        if name.startswith("IONOS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", str(BIN_DIR) + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def private_emulator():
    """An emulator whose credentials exist nowhere but in this test."""
    # Hex, never a leading "-" that the emulator's argument parser would take for an option.
    # 31721234 is one of the user's contracts, so the role's contract_number is not refused (403).
    with Emulator(provisioning_delay=0.05, username="awx-" + secrets.token_hex(4), contracts=[31415926, 31721234],
                  password="pw-" + secrets.token_hex(12), token="tk-" + secrets.token_hex(16)) as emu:
        yield emu


# ------------------------------------------------------------------- the credential type itself


def test_credential_type_defines_the_module_environment():
    credential_type = load_credential_type()
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}

    assert credential_type["kind"] == "cloud"
    assert set(credential_type["injectors"]["env"]) == MODULE_ENV_VARS
    assert set(credential_type["injectors"]) == {"env"}
    # Secrets are stored encrypted and never shown again; nothing else is marked secret.
    assert {name for name, field in fields.items() if field.get("secret")} == {"token", "password"}
    for field in fields.values():
        assert field["type"] == "string"
        assert field.get("label")
    for name in credential_type["inputs"].get("required", []):
        assert name in fields
    # Every injector renders a defined input, and every input reaches the modules.
    sandbox = ImmutableSandboxedEnvironment()
    rendered = {var: sandbox.from_string(template).render(**{name: "<%s>" % name for name in fields})
                for var, template in credential_type["injectors"]["env"].items()}
    assert sorted(rendered.values()) == sorted("<%s>" % name for name in fields)


# ------------------------------------------------------------------------------ AWX-style jobs


@pytest.mark.skipif(not DEMO_PLAYBOOK.is_file(), reason="demo/demo.yml is not there")
def test_demo_playbook_runs_with_a_token_credential(private_emulator, collection_path, tmp_path, clean_environment):
    emu = private_emulator
    injected = inject(load_credential_type(), {"api_url": emu.url, "token": emu.token})
    # AWX sets the variables of the empty fields too, as empty strings.
    assert injected["IONOS_USERNAME"] == injected["IONOS_PASSWORD"] == injected["IONOS_CONTRACT_NUMBER"] == ""

    runner = run_job(tmp_path, collection_path, DEMO_PLAYBOOK.read_text(), injected)
    output = job_output(runner)

    assert runner.status == "successful", output
    assert runner.rc == 0
    assert runner.stats["changed"].get("localhost", 0) >= 3, runner.stats
    log = emu.log()
    created = [e for e in log if e["method"] == "POST" and e["path"].endswith("/backupunits") and e["status"] == 202]
    deleted = [e for e in log if e["method"] == "DELETE" and e["status"] == 202]
    assert len(created) == 1 and len(deleted) == 1, log
    assert all(entry["status"] != 401 for entry in log)
    assert emu.units() == []  # the demo deletes the unit it created
    assert emu.token not in shown_to_users(tmp_path)


def test_role_runs_with_a_basic_credential_and_contract_number(private_emulator, collection_path, tmp_path,
                                                               clean_environment):
    emu = private_emulator
    unit_password = "unit-" + secrets.token_hex(12)
    injected = inject(load_credential_type(), {
        "api_url": emu.url, "username": emu.username, "password": emu.password, "contract_number": "31721234"})
    assert injected["IONOS_TOKEN"] == ""

    runner = run_job(tmp_path, collection_path, ROLE_PLAYBOOK, injected, extra_env={"UNIT_PASSWORD": unit_password})
    output = job_output(runner)

    assert runner.status == "successful", output
    assert runner.stats["changed"].get("localhost") == 1, runner.stats
    units = {unit["name"]: unit for unit in emu.units()}
    assert set(units) == {"awx-web", "awx-db"}
    assert {unit["contract"] for unit in units.values()} == {31721234}
    assert units["awx-web"]["email"] == "ops@example.com"
    assert {entry["contract"] for entry in emu.log()} == {31721234}
    stored = shown_to_users(tmp_path)
    for secret in (emu.password, unit_password):
        assert secret not in stored


def test_wrong_credential_fails_the_job_without_leaking_it(private_emulator, collection_path, tmp_path,
                                                           clean_environment):
    emu = private_emulator
    wrong_token = "tk-" + secrets.token_hex(16)
    injected = inject(load_credential_type(), {"api_url": emu.url, "token": wrong_token})

    runner = run_job(tmp_path, collection_path, ROLE_PLAYBOOK, injected, extra_env={"UNIT_PASSWORD": "irrelevant-1"})
    output = job_output(runner)

    assert runner.status == "failed", output
    assert "API error 401" in output
    assert emu.units() == []
    assert wrong_token not in shown_to_users(tmp_path)
