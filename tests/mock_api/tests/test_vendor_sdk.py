# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor's own Python SDK (ionoscloud 6.1.13, pinned in requirements.txt) against the emulator.

A client the project did not write, over real HTTP: if it completes every backup-unit operation, the
emulator's wire format is one the vendor's generated code accepts.
"""

import re

import pytest

from harness import Emulator

ionoscloud = pytest.importorskip("ionoscloud")  # pinned in tests/mock_api/requirements.txt and tools.txt
from ionoscloud.rest import ApiException  # noqa: E402


def every_operation(emu, wait):
    """the contract number, then create, list, get, PATCH of the email only, PUT, SSO URL, delete;
    wait(client, request id) after each write."""
    client = ionoscloud.ApiClient(ionoscloud.Configuration(host=emu.url, username=emu.username, password=emu.password))
    units = ionoscloud.BackupUnitsApi(client)
    assert ionoscloud.ContractResourcesApi(client).contracts_get().items[0].properties.contract_number == emu.contracts[0]

    def waited(answer):
        # the same extraction as module-ansible's _get_request_id (NOTES.md section 6)
        wait(client, re.search(r"/requests/([-A-Fa-f0-9]+)/", answer[2]["Location"]).group(1))

    unit = units.backupunits_post_with_http_info(ionoscloud.BackupUnit(
        properties=ionoscloud.BackupUnitProperties(name="sdk-unit", email="a@example.com", password="Sdk-pass-1")))
    waited(unit)
    unit = unit[0]
    assert [item.id for item in units.backupunits_get(depth=1).items] == [unit.id]
    found = units.backupunits_find_by_id(unit.id).properties
    assert (found.name, found.email, found.password) == ("sdk-unit", "a@example.com", None)
    waited(units.backupunits_patch_with_http_info(unit.id, ionoscloud.BackupUnitProperties(email="b@example.com")))
    found = units.backupunits_find_by_id(unit.id).properties  # the SDK's PATCH body has no name
    assert (found.name, found.email) == ("sdk-unit", "b@example.com")
    waited(units.backupunits_put_with_http_info(unit.id, ionoscloud.BackupUnit(
        properties=ionoscloud.BackupUnitProperties(email="c@example.com", password="Sdk-pass-2"))))
    assert units.backupunits_find_by_id(unit.id).properties.email == "c@example.com"
    assert units.backupunits_ssourl_get(unit.id).sso_url.startswith("https://backup.ionos.com/")
    waited(units.backupunits_delete_with_http_info(unit.id))
    assert units.backupunits_get().items == []


def test_sdk_completes_every_operation_and_its_wait_works_when_requests_are_tracked():
    with Emulator(request_tracking=True, provisioning_delay=0.3) as emu:
        waited = []

        def wait(client, request_id):
            client.wait_for_completion(request_id, timeout=30, initial_wait=0.1)
            waited.append(request_id)

        every_operation(emu, wait)
        assert len(waited) == 4
        status_polls = [e for e in emu.log() if e["path"].endswith("/status")]
        assert len(status_polls) >= 4 and all(e["status"] == 200 for e in status_polls)


def test_sdk_in_the_default_mode_gets_404_from_the_status_url_like_real_clients():
    with Emulator() as emu:
        refused = []

        def wait(client, request_id):
            # today's API: the write is done, but its request is not tracked (ionosctl PR #487)
            with pytest.raises(ApiException) as raised:
                client.wait_for_completion(request_id, timeout=30, initial_wait=0.1)
            refused.append(raised.value.status)

        every_operation(emu, wait)
        assert refused == [404] * 4
