# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor's own Python SDK (ionoscloud 6.1.13, pinned in requirements.txt) against the emulator: a client the
project did not write, over real HTTP. If it completes every backup-unit operation, its generated code accepts the
emulator's wire format."""

import re

import pytest

from harness import Emulator

ionoscloud = pytest.importorskip("ionoscloud")
from ionoscloud.rest import ApiException  # noqa: E402


@pytest.mark.parametrize("tracked", [True, False], ids=["tracked-2023-model", "todays-api"])
def test_sdk_completes_every_operation_and_its_wait_follows_the_model(tracked):
    """The contract number, create, list, get, PATCH of the email only, PUT, SSO URL, delete. Tracked, the SDK's
    wait_for_completion works; by default it gets the 404 real clients report (ionosctl PR #487)."""
    with Emulator(request_tracking=tracked, provisioning_delay=0.3 if tracked else 0) as emu:
        client = ionoscloud.ApiClient(ionoscloud.Configuration(host=emu.url, username=emu.username, password=emu.password))
        units, waits = ionoscloud.BackupUnitsApi(client), []
        assert ionoscloud.ContractResourcesApi(client).contracts_get().items[0].properties.contract_number == 31415926

        def waited(answer):  # the request id as module-ansible's _get_request_id extracts it
            request_id = re.search(r"/requests/([-A-Fa-f0-9]+)/", answer[2]["Location"]).group(1)
            try:
                client.wait_for_completion(request_id, timeout=30, initial_wait=0.1)
                waits.append("done")
            except ApiException as exc:
                waits.append(exc.status)
            return answer[0]

        unit = waited(units.backupunits_post_with_http_info(ionoscloud.BackupUnit(
            properties=ionoscloud.BackupUnitProperties(name="sdk-unit", email="a@example.com", password="Sdk-pass-1"))))
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
        assert units.backupunits_get().items == [] and waits == (["done"] * 4 if tracked else [404] * 4)
        polls = [e["status"] for e in emu.log() if e["path"].endswith("/status")]
        assert len(polls) >= 4 and set(polls) == {200 if tracked else 404}
