# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the API emulator (not a test): is it ever the bottleneck?

Measures, against a real emulator subprocess over loopback HTTP:
1. GET /backupunits?depth=1 requests per second with 100 units, from several threads that each keep
   one HTTP/1.1 connection alive (goal: >= 500 req/s), with pretty=true (the API default) and
   pretty=false;
2. the latency of one GET /backupunits?depth=1 with 10,000 units (goal: < 0.5 s), the first call
   after the units were written (nothing cached) and warm calls.

Medians of several runs are printed as a Markdown table (docs/emulator.md quotes them).

    python3 tests/mock_api/bench_emulator.py [--threads 4] [--seconds 3] [--runs 3] [--units 10000]
"""

import argparse
import base64
import http.client
import json
import os
import platform
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Emulator  # noqa: E402


class Client:
    """One keep-alive connection."""

    def __init__(self, url, username, password):
        parts = urlsplit(url)
        self.prefix = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        token = base64.b64encode(("%s:%s" % (username, password)).encode()).decode()
        self.headers = {"Authorization": "Basic " + token}

    def request(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, self.prefix + path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, payload

    def close(self):
        self.conn.close()


def create_units(emu, count, first=0):
    client = Client(emu.url, emu.username, emu.password)
    try:
        for index in range(first, first + count):
            status, payload = client.request("POST", "/backupunits", {"properties": {
                "name": "bench-%05d" % index, "email": "bench@example.com", "password": "bench-pass"}})
            if status != 202:
                raise SystemExit("create failed: %s %s" % (status, payload[:200]))
    finally:
        client.close()


def throughput(emu, path, threads, seconds):
    """Requests per second of GET path from `threads` keep-alive clients during `seconds`."""
    counts = [0] * threads
    errors = []
    start_barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(slot):
        client = Client(emu.url, emu.username, emu.password)
        try:
            start_barrier.wait()
            while time.perf_counter() < stop_at[0]:
                status, _payload = client.request("GET", path)
                if status != 200:
                    errors.append(status)
                    return
                counts[slot] += 1
        finally:
            client.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start_barrier.wait()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit("GET %s failed: %s" % (path, errors[:5]))
    return sum(counts) / elapsed


def latency(client, path):
    started = time.perf_counter()
    status, payload = client.request("GET", path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit("GET %s failed: %s" % (path, status))
    return elapsed, len(payload)


def serializer_rows(count, runs):
    """In-process: the emulator's pretty serializer against json.dumps(indent=2), same 10,000 units."""
    import server

    state = server.EmulatorState("u", "p", "t", 0, True, None)
    for index in range(count):
        state.create_unit(None, {"properties": {"name": "s-%05d" % index, "email": "s@example.com"}}, "x")
    units = list(state.unit_index.values())
    document = {"id": "backupunits", "type": "collection", "href": "http://h/cloudapi/v6/backupunits",
                "items": [unit.to_api(state.user_id) for unit in units]}

    def timed(function):
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    stdlib = [timed(lambda: json.dumps(document, indent=2)) for run in range(runs)]
    ours = []
    for run in range(runs):
        for unit in units:
            unit.changed()  # empty the per-unit caches: measure the cold path
        ours.append(timed(lambda: state.list_units(None, True, True)))
    ratio = statistics.median(stdlib) / statistics.median(ours)
    return [
        ("serialize %d units pretty, in process: json.dumps(indent=2)" % count,
         "%.3f s" % statistics.median(stdlib), ", ".join("%.3f" % t for t in stdlib), ""),
        ("serialize %d units pretty, in process: emulator serializer, caches empty" % count,
         "%.3f s" % statistics.median(ours), ", ".join("%.3f" % t for t in ours), "%.1fx the speed of json.dumps" % ratio),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of one throughput run (default 3)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported (default 3)")
    parser.add_argument("--units", type=int, default=10000, help="units for the latency test (default 10000)")
    parser.add_argument("--warm", type=int, default=5, help="warm latency calls (default 5)")
    args = parser.parse_args()

    rows = []
    with Emulator(provisioning_delay=0) as emu:
        create_units(emu, 100)
        for label, path in (("pretty=true (default)", "/backupunits?depth=1"),
                            ("pretty=false", "/backupunits?depth=1&pretty=false")):
            rates = [throughput(emu, path, args.threads, args.seconds) for run in range(args.runs)]
            rows.append(("GET /backupunits?depth=1, 100 units, %s, %d keep-alive threads" % (label, args.threads),
                         "%.0f req/s" % statistics.median(rates),
                         ", ".join("%.0f" % r for r in rates), ">= 500 req/s"))

        create_units(emu, args.units - 100, first=100)
        for label, path in (("pretty=true (default)", "/backupunits?depth=1"),
                            ("pretty=false", "/backupunits?depth=1&pretty=false")):
            cold = []
            warm = []
            size = 0
            for run in range(args.runs):
                # a write to every unit would be needed to empty all caches; a reset and re-create is simpler
                emu.reset()
                emu.configure(provisioning_delay=0)
                create_units(emu, args.units)
                client = Client(emu.url, emu.username, emu.password)
                try:
                    # the writes are finished lazily at the next access: do one cheap call first
                    client.request("GET", "/backupunits?depth=0&pretty=false")
                    elapsed, size = latency(client, path)
                    cold.append(elapsed)
                    warm.extend(latency(client, path)[0] for warm_call in range(args.warm))
                finally:
                    client.close()
            rows.append(("GET /backupunits?depth=1, %d units, %s, first call (%.1f MB)"
                         % (args.units, label, size / 1e6),
                         "%.3f s" % statistics.median(cold), ", ".join("%.3f" % c for c in cold), "< 0.5 s"))
            rows.append(("GET /backupunits?depth=1, %d units, %s, warm" % (args.units, label),
                         "%.3f s" % statistics.median(warm), "median of %d" % len(warm), "< 0.5 s"))

    rows.extend(serializer_rows(args.units, args.runs))
    print("Emulator benchmark: Python %s, %s, %d CPUs, %s" % (
        platform.python_version(), platform.machine(), os.cpu_count() or 0, time.strftime("%Y-%m-%d")))
    print()
    print("| measurement | median | runs | goal |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| %s | %s | %s | %s |" % row)


if __name__ == "__main__":
    main()
