# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX-style job: ansible-runner, credentials injected by the shipped credential type.

AWX renders each env injector of a credential type with a Jinja2 sandbox, over a namespace that
holds only the credential's non-empty inputs (and every boolean field, false when unset), and sets
every injector variable (an unset field renders as an empty string). It first writes each file
injector to a file of its own, named in the namespace as ``tower.filename.<label>``. `inject` does
the same, from the YAML file the collection ships. One job runs through ansible-runner's Python API
against an HTTPS emulator whose certificate and credentials exist only in this test, so that only
the injected ones (the CA bundle included) can work. The modules' handling of each variable (env
fallbacks, an empty one counting as unset, a wrong credential, TLS errors) is proven by the unit tests.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import sys

import ansible_runner
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import REPO_ROOT, clean_env, playbook

CREDENTIAL_TYPE = yaml.safe_load((REPO_ROOT / "meta" / "awx" / "credential_type.yml").read_text())
FIELDS = {field["id"]: field for field in CREDENTIAL_TYPE["inputs"]["fields"]}
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
    # Each injected variable is documented as a fallback of the modules.
    auth_doc = (REPO_ROOT / "plugins" / "doc_fragments" / "auth.py").read_text()
    assert [name for name in CREDENTIAL_TYPE["injectors"]["env"] if "E(%s)" % name not in auth_doc] == []


def write_self_signed_certificate(directory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ionoscloud.backup test emulator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "emulator-cert.pem", directory / "emulator-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def test_role_job_with_a_basic_credential_a_contract_number_and_a_ca_bundle(collection_path, tmp_path):
    cert_path, key_path = write_self_signed_certificate(tmp_path)
    unit_password = "unit-" + secrets.token_hex(12)
    # Hex, never a leading "-" that the emulator's argument parser would take for an option.
    # 31721234 is one of the user's contracts, so the role's contract_number is not refused (403).
    with Emulator(provisioning_delay=0.05, username="awx-" + secrets.token_hex(4), contracts=[31415926, 31721234],
                  password="pw-" + secrets.token_hex(12), token="tk-" + secrets.token_hex(16),
                  tls_cert=str(cert_path), tls_key=str(key_path)) as emu:
        assert emu.url.startswith("https://127.0.0.1:"), emu.url
        injected = inject({"api_url": emu.url, "username": emu.username, "password": emu.password,
                           "contract_number": "31721234", "ca_bundle": cert_path.read_text()}, tmp_path)
        # The empty fields are set too, as empty strings: the modules must take them as unset.
        assert injected["IONOS_TOKEN"] == injected["IONOS_VALIDATE_CERTS"] == ""

        runner, shown = run_job(tmp_path, collection_path, ROLE_PLAYBOOK, injected, UNIT_PASSWORD=unit_password)

        units = {unit["name"]: unit for unit in emu.units()}
        log = emu.log()

    assert runner.status == "successful", shown
    assert runner.stats["changed"].get("localhost") == 1, runner.stats
    assert set(units) == {"awx-web", "awx-db"} and units["awx-web"]["email"] == "ops@example.com"
    # Every request went to the injected contract, validated against the injected CA (no warning).
    assert {unit["contract"] for unit in units.values()} == {entry["contract"] for entry in log} == {31721234}
    assert "validate_certs is false" not in shown
    assert emu.password not in shown and unit_password not in shown
