# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: the emulator on HTTPS with a self-signed certificate made for this test run.

- ``validate_certs`` left at its default (true) fails with a message about the certificate
  that names the way out (ca_path), and no request reaches the API;
- ``ca_path`` pointing at the certificate passes;
- ``validate_certs: false`` passes, with a warning.
"""

from __future__ import annotations

import json

from harness import Emulator  # tests/mock_api is on sys.path (see conftest.py)
from reliability.helpers import module_defaults, new_password, playbook_yaml, write_self_signed_certificate

REFUSED_CONTRACT = 4711


def test_self_signed_certificate_refused_by_default_accepted_with_ca_path_or_without_validation(
        tmp_path, run_playbook):
    cert_path, key_path = write_self_signed_certificate(tmp_path)
    results_path = tmp_path / "tls_results.json"
    with Emulator(provisioning_delay=0.05, tls_cert=str(cert_path), tls_key=str(key_path)) as emu:
        assert emu.url.startswith("https://127.0.0.1:"), emu.url
        connection = module_defaults(emu)["group/ionoscloud.backup.all"]
        tasks = [
            {"name": "Default validate_certs", "ionoscloud.backup.backupunit_info": {},
             # Its own contract number, so the emulator's log shows whether any of its requests got through.
             "module_defaults": {"group/ionoscloud.backup.all": dict(connection, contract_number=REFUSED_CONTRACT)},
             "register": "default_validation", "ignore_errors": True},
            {"name": "Checked against the certificate given as ca_path",
             "ionoscloud.backup.backupunit": {"name": "tls-unit", "email": "ops@example.com",
                                              "backupunit_password": new_password()},
             "module_defaults": {"group/ionoscloud.backup.all": dict(connection, ca_path=str(cert_path))},
             "register": "with_ca_path", "ignore_errors": True},
            {"name": "Not validated at all",
             "ionoscloud.backup.backupunit_info": {"name": "tls-unit"},
             "module_defaults": {"group/ionoscloud.backup.all": dict(connection, validate_certs=False)},
             "register": "without_validation", "ignore_errors": True},
            {"name": "Save the results", "ansible.builtin.copy": {
                "dest": str(results_path), "mode": "0600",
                "content": "{{ {'default': default_validation, 'ca_path': with_ca_path,"
                           " 'insecure': without_validation} | ansible.builtin.to_json }}"}},
        ]
        emu.clear_log()
        result = run_playbook(playbook_yaml([{"name": "TLS", "hosts": "localhost", "gather_facts": False,
                                              "tasks": tasks}]))
        log = emu.log()
        units = emu.units()

    assert result.returncode == 0, result.output
    results = json.loads(results_path.read_text())

    refused = results["default"]
    assert refused.get("failed") is True, refused
    message = refused["msg"]
    assert "\n" not in message and "certificate" in message.lower() and "ca_path" in message, message
    assert "Traceback" not in result.output
    # The handshake failed, so nothing (credentials included) was sent.
    assert [entry for entry in log if entry["contract"] == REFUSED_CONTRACT] == [], log
    assert [entry["method"] for entry in log if entry["method"] != "GET"] == ["POST"], log

    accepted = results["ca_path"]
    assert accepted.get("failed") is not True and accepted["changed"] is True, accepted
    assert [(u["name"], u["state"]) for u in units] == [("tls-unit", "AVAILABLE")]

    insecure = results["insecure"]
    assert insecure.get("failed") is not True, insecure
    assert [u["properties"]["name"] for u in insecure["backupunits"]] == ["tls-unit"]
    warnings = insecure.get("warnings") or []
    assert any("validate_certs is false" in warning for warning in warnings), insecure
    assert "[WARNING]: validate_certs is false" in result.output, result.output
    # No other task warned: validation on (default or ca_path) is silent.
    assert not accepted.get("warnings") and not refused.get("warnings"), (accepted, refused)
