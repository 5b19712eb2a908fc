# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX-style job: ansible-runner, credentials injected by the shipped credential type (meta/awx).

`inject` renders the injectors as AWX does. One job runs through ansible-runner's Python API against an
HTTPS emulator whose certificate and credentials exist only in this test, so that only the injected ones
(the CA bundle included) can work. The modules' handling of each variable (env fallbacks, an empty one
counting as unset, a wrong credential, TLS errors) is proven by the unit tests.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from ansible_runs import REPO_ROOT, clean_env, playbook

CREDENTIAL_TYPE = yaml.safe_load((REPO_ROOT / "meta" / "awx" / "credential_type.yml").read_text())
FIELDS = {field["id"]: field for field in CREDENTIAL_TYPE["inputs"]["fields"]}
# ansible-runner starts ansible-playbook through pexpect (forkpty); the emulator harness runs
# threads in this process, so Python warns. The child execs at once, which is safe.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")


def inject(inputs, files_dir):
    """The environment AWX gives a job for a credential of this type with these inputs (files in files_dir).

    AWX renders each injector in a Jinja2 sandbox, over the credential's non-empty inputs and every boolean
    field (false when unset), and sets every env injector (an unset field renders as ""). It first writes
    each file injector to a file of its own, named in the namespace as ``tower.filename.<label>``.
    """
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


def test_the_credential_type_sets_the_modules_environment_from_its_fields(tmp_path):
    # Every string field reaches the variable the modules read; the box left alone, the modules validate certificates.
    strings = {name: "<%s>" % name for name, field in FIELDS.items() if field["type"] == "string"}
    assert inject(strings, tmp_path) == {
        "IONOS_API_URL": "<api_url>", "IONOS_TOKEN": "<token>", "IONOS_USERNAME": "<username>",
        "IONOS_PASSWORD": "<password>", "IONOS_CONTRACT_NUMBER": "<contract_number>", "IONOS_VALIDATE_CERTS": "",
        "IONOS_CA_PATH": str(tmp_path / "injected-ca_bundle")}
    assert (tmp_path / "injected-ca_bundle").read_text() == "<ca_bundle>"
    # Ticked, it turns validation off; with no CA bundle, IONOS_CA_PATH stays empty (unset for the modules),
    # never the name of the empty file AWX writes anyway.
    injected = inject({"skip_validate_certs": True, "ca_bundle": ""}, tmp_path)
    assert injected["IONOS_VALIDATE_CERTS"] == "false" and injected["IONOS_CA_PATH"] == ""
    assert CREDENTIAL_TYPE["kind"] == "cloud" and set(CREDENTIAL_TYPE["inputs"]["required"]) <= set(FIELDS)
    assert all(field["type"] in ("string", "boolean") and field.get("label") for field in FIELDS.values())
    # Secrets are stored encrypted and never shown again; nothing else is marked secret.
    assert {name for name, field in FIELDS.items() if field.get("secret")} == {"token", "password"}
    # Each injected variable is documented as a fallback of the modules.
    auth_doc = (REPO_ROOT / "plugins" / "doc_fragments" / "auth.py").read_text()
    assert [name for name in CREDENTIAL_TYPE["injectors"]["env"] if "E(%s)" % name not in auth_doc] == []


def test_role_job_with_a_basic_credential_a_contract_number_and_a_ca_bundle(collection_path, tmp_path):
    cert, key = tmp_path / "emulator-cert.pem", tmp_path / "emulator-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=ionoscloud.backup test emulator",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    unit_password = "unit-" + secrets.token_hex(12)
    password = "{{ lookup('ansible.builtin.env', 'UNIT_PASSWORD') }}"
    role_playbook = playbook(roles=["ionoscloud.backup.backupunits"], vars={"backupunits": [
        {"name": "awx-web", "email": "ops@example.com", "password": password},
        {"name": "awx-db", "email": "dba@example.com", "password": password}]})
    # Credentials in hex, never with a leading "-" that the emulator's argument parser would take for an option.
    # 31721234 is one of the user's contracts, so the role's contract_number is not refused (403).
    with Emulator(provisioning_delay=0.05, username="awx-" + secrets.token_hex(4), contracts=[31415926, 31721234],
                  password="pw-" + secrets.token_hex(12), token="tk-" + secrets.token_hex(16),
                  tls_cert=str(cert), tls_key=str(key)) as emu:
        assert emu.url.startswith("https://127.0.0.1:"), emu.url
        injected = inject({"api_url": emu.url, "username": emu.username, "password": emu.password,
                           "contract_number": "31721234", "ca_bundle": cert.read_text()}, tmp_path)
        runner = ansible_runner.run(
            private_data_dir=str(tmp_path), playbook=role_playbook,
            inventory="localhost ansible_connection=local ansible_python_interpreter=%s" % sys.executable,
            # The job's environment is this process's with these on top. The injector sets all seven IONOS_*
            # variables the modules read, so none from the shell running the tests reaches them, as in AWX.
            # What the execution environment provides: this venv's ansible-playbook, the collection, an Ansible home.
            envvars=dict(injected, PATH=clean_env()["PATH"], ANSIBLE_COLLECTIONS_PATH=collection_path,
                         ANSIBLE_HOME=str(tmp_path / "ansible_home"), UNIT_PASSWORD=unit_password),
            suppress_env_files=True,  # keep the secrets out of files in the private data dir
            quiet=True, timeout=600)
        units = {unit["name"]: unit for unit in emu.units()}
        log = emu.log()

    # What AWX shows of the job: its stdout and events (the runner's own artifacts/*/command file records
    # the whole environment, secrets included; AWX keeps that to itself).
    events = [json.dumps(event) for event in runner.events]
    with runner.stdout as stdout:
        shown = stdout.read() + "\n".join(events)
    assert runner.status == "successful" and len(events) > 2, shown
    assert runner.stats["changed"].get("localhost") == 1, runner.stats
    assert set(units) == {"awx-web", "awx-db"} and units["awx-web"]["email"] == "ops@example.com"
    # Every request went to the injected contract, validated against the injected CA (no warning).
    assert {unit["contract"] for unit in units.values()} == {entry["contract"] for entry in log} == {31721234}
    assert "validate_certs is false" not in shown
    assert emu.password not in shown and unit_password not in shown
