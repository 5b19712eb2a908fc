# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""50 clients at once leave the state consistent."""

import threading

CLIENTS = 50


def run_concurrently(work):
    """Run work(index) in CLIENTS threads released at the same moment; return results by index."""
    barrier = threading.Barrier(CLIENTS)
    results, errors = [None] * CLIENTS, []

    def client(index):
        try:
            barrier.wait(60)
            results[index] = work(index)
        except Exception as exc:  # reported below, with the index
            errors.append((index, repr(exc)))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


def test_fifty_clients_creating_distinct_units(emu):
    results = run_concurrently(lambda i: emu.api("POST", "/backupunits", {"properties": {"name": "unit-%02d" % i}}))
    assert [status for status, _h, _b in results] == [202] * CLIENTS
    assert len({body["id"] for _s, _h, body in results}) == CLIENTS
    assert len({headers["location"] for _s, headers, _b in results}) == CLIENTS
    listing = emu.api("GET", "/backupunits?depth=1")[2]["items"]
    assert sorted(item["properties"]["name"] for item in listing) == ["unit-%02d" % i for i in range(CLIENTS)]
    assert len(emu.log()) == CLIENTS + 1


def test_fifty_clients_racing_for_one_name(emu):
    results = run_concurrently(lambda i: emu.api("POST", "/backupunits", {"properties": {"name": "contested"}}))
    assert sorted(status for status, _h, _b in results) == [202] + [422] * (CLIENTS - 1)
    assert [u["name"] for u in emu.units()] == ["contested"]


def test_fifty_clients_mixing_reads_and_writes_on_shared_units(emu):
    shared = [emu.create_unit("shared-%d" % i)[0]["id"] for i in range(5)]
    calls = [  # by index % 5: (method, path, body, status)
        lambda i: ("PATCH", "/backupunits/" + shared[0], {"name": "shared-0", "email": "client-%02d@example.com" % i}, 202),
        lambda i: ("GET", "/backupunits?depth=1", None, 200),
        lambda i: ("GET", "/backupunits/%s/ssourl" % shared[2], None, 200),
        lambda i: ("POST", "/backupunits", {"properties": {"name": "extra-%02d" % i}}, 202),
        lambda i: ("GET", "/backupunits/" + shared[4], None, 200),
    ]
    statuses = run_concurrently(lambda i: emu.api(*calls[i % 5](i)[:3])[0])
    assert statuses == [calls[i % 5](i)[3] for i in range(CLIENTS)]
    units = emu.units()
    assert len(units) == 5 + CLIENTS // 5
    assert len({u["name"] for u in units}) == len(units)
    patched = [u for u in units if u["name"] == "shared-0"][0]
    assert patched["email"] in {"client-%02d@example.com" % i for i in range(0, CLIENTS, 5)}
    # every unit settles, including those with several queued requests
    emu.wait_until(lambda: all(u["state"] == "AVAILABLE" for u in emu.units()), timeout=60)
    assert [entry["status"] for entry in emu.log()[5:]].count(None) == 0
    assert len(emu.log()) == 5 + CLIENTS


def test_fifty_clients_deleting_the_same_unit(emu):
    unit_id = emu.create_unit("once")[0]["id"]
    statuses = run_concurrently(lambda i: emu.api("DELETE", "/backupunits/" + unit_id)[0])
    assert statuses.count(202) == 1
    # the others are refused while the delete runs (422) or find the unit gone once it finished (404)
    assert set(statuses) <= {202, 422, 404}
    emu.wait_until(lambda: emu.units() == [], timeout=60)
