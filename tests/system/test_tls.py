# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: the emulator on HTTPS with a self-signed certificate made for this test run.

``validate_certs`` left at its default (true) fails with a message about the certificate that names
the way out (ca_path), and no request reaches the API; ``ca_path`` pointing at the certificate passes;
``validate_certs: false`` passes, with a warning.
"""

from __future__ import annotations

import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import module_defaults, new_password

REFUSED_CONTRACT = 4711


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


def test_self_signed_certificate_refused_by_default_accepted_with_ca_path_or_without_validation(
        tmp_path, run_tasks):
    cert_path, key_path = write_self_signed_certificate(tmp_path)
    with Emulator(provisioning_delay=0.05, tls_cert=str(cert_path), tls_key=str(key_path)) as emu:
        assert emu.url.startswith("https://127.0.0.1:"), emu.url

        def task(register, module, options, **connection_options):
            return {"name": register, "ionoscloud.backup." + module: options, "register": register,
                    "ignore_errors": True,
                    "module_defaults": module_defaults(emu, **connection_options)}

        emu.clear_log()
        result, results = run_tasks([
            # Its own contract number, so the emulator's log shows whether any of its requests got through.
            task("refused", "backupunit_info", {}, contract_number=REFUSED_CONTRACT),
            task("accepted", "backupunit", {"name": "tls-unit", "email": "ops@example.com",
                                            "backupunit_password": new_password()}, ca_path=str(cert_path)),
            task("insecure", "backupunit_info", {"name": "tls-unit"}, validate_certs=False),
        ])
        log = emu.log()
        units = emu.units()

    refused, accepted, insecure = results["refused"], results["accepted"], results["insecure"]
    assert refused.get("failed") is True, refused
    message = refused["msg"]
    assert "\n" not in message and "certificate" in message.lower() and "ca_path" in message, message
    assert "Traceback" not in result.output
    # The handshake failed, so nothing (credentials included) was sent.
    assert [entry for entry in log if entry["contract"] == REFUSED_CONTRACT] == [], log
    assert [entry["method"] for entry in log if entry["method"] != "GET"] == ["POST"], log

    assert accepted.get("failed") is not True and accepted["changed"] is True, accepted
    assert [(u["name"], u["state"]) for u in units] == [("tls-unit", "AVAILABLE")]

    assert insecure.get("failed") is not True, insecure
    assert [u["properties"]["name"] for u in insecure["backupunits"]] == ["tls-unit"]
    assert any("validate_certs is false" in warning for warning in insecure.get("warnings") or []), insecure
    assert "[WARNING]: validate_certs is false" in result.output, result.output
    # No other task warned: validation on (default or ca_path) is silent.
    assert not accepted.get("warnings") and not refused.get("warnings"), (accepted, refused)
