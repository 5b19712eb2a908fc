# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server as a process: its flags, start and stop, TLS, keep-alive and misbehaving clients."""

import glob
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from harness import SERVER, Emulator, EmulatorError


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_url_line_keeps_connections_alive_and_stops_with_exit_0_even_with_one_open(signum):
    emu = Emulator().start()
    assert re.match(r"^http://127\.0\.0\.1:\d+/cloudapi/v6$", emu.url)
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for index in range(20):  # many requests on one connection
        if index == 5:  # an error whose body the server never reads
            conn.request("POST", parts.path + "/backupunits", body=b"not json", headers={})
        else:
            conn.request("GET", parts.path + "/backupunits?depth=1", headers=emu.auth_header())
        response = conn.getresponse()
        assert (response.status, response.getheader("Connection")) == (401 if index == 5 else 200, None)
        response.read()
    emu.process.send_signal(signum)
    assert (emu.process.wait(30), emu.process.stdout.read(), emu.stderr()) == (0, b"", "")  # quiet by default
    conn.close()


def test_flags_credentials_contracts_tracking_stale_single_get_rate_limit_and_verbose():
    with Emulator(username="alice", password="wonder land", token="-tok", contracts=[27182818, 31415926],
                  request_tracking=False, stale_single_get=True, rate_limit=600, rate_burst=50, verbose=True) as emu:
        assert emu.config() == {"provisioning_delay": 0, "request_tracking": False, "stale_single_get": True,
                                "contracts": [27182818, 31415926], "rate_limit": {"per_minute": 600, "burst": 50},
                                "fail_next_write": None, "chaos": None}
        assert [emu.api("GET", "/backupunits", auth=auth)[0] for auth in ("basic", "token")] == [200, 200]
        assert emu.api("GET", "/backupunits", auth=None, headers={"Authorization": "Bearer emulator-token"})[0] == 401
        unit = emu.create_unit("by-alice")[0]
        assert (unit["metadata"]["createdBy"], emu.units()[0]["contract"]) == ("alice", 27182818)
        emu.wait_until(lambda: "/cloudapi/v6/backupunits" in emu.stderr(), timeout=30)


def server_fails(args):
    result = subprocess.run([sys.executable, SERVER] + args, capture_output=True, timeout=30, check=False)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    return result.stderr.decode()


@pytest.mark.parametrize("args,message", [  # a flag's value is checked as the control API checks its config key
    (["--provisioning-delay", "-1"], "provisioning_delay"), (["--rate-limit", "0"], "rate_limit.per_minute"),
    (["--rate-limit", "5", "--rate-burst", "0"], "rate_limit.burst"), (["--rate-burst", "3"], "needs --rate-limit"),
    (["--tls-cert", "x.pem"], "go together"), (["--tls-cert", "{bogus}", "--tls-key", "{bogus}"], "TLS"),
    (["--contracts", "31415926,abc"], "--contracts"), (["--contracts", "0"], "contracts must be"),
])
def test_bad_flags_give_an_error_and_exit_2(args, message, tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    assert message in server_fails([arg.format(bogus=bogus) for arg in args])


def test_a_fixed_port_and_a_busy_one():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Emulator(port=port) as emu:
        assert emu.url == "http://127.0.0.1:%d/cloudapi/v6" % port
        with pytest.raises(EmulatorError, match="cannot listen"):  # the harness reports a server that does not start
            Emulator(port=port).start()


def test_survives_clients_that_disconnect_mid_request_or_before_reading_the_answer(emu):
    parts = urlsplit(emu.url)
    for payload in (b"", b"GET /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\n", b"garbage\r\n\r\n",
                    b"POST /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"prop",
                    b"GET /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer emulator-token\r\n\r\n"):
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.sendall(payload)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # a reset
    assert emu.api("GET", "/backupunits")[0] == 200


def test_tls_serves_https_with_https_hrefs(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with Emulator(tls_cert=cert, tls_key=key) as emu:
        unit, headers = emu.create_unit("secure")
        assert all(url.startswith("https://127.0.0.1:") for url in (emu.url, unit["href"], headers["location"]))
        parts = urlsplit(emu.url)
        verifying = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30,
                                                context=ssl.create_default_context(cafile=cert))
        verifying.request("GET", parts.path + "/backupunits", headers=emu.auth_header("token"))
        assert verifying.getresponse().status == 200
        verifying.close()
        with socket.create_connection((parts.hostname, parts.port)), \
                socket.create_connection((parts.hostname, parts.port)) as plain:  # stalled and plain-HTTP clients
            plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert emu.api("GET", "/backupunits")[0] == 200
        assert emu.stop() == 0


def test_runs_on_the_oldest_supported_python():
    pythons = glob.glob("/usr/bin/python3.8") + glob.glob(os.path.expanduser("~/.pyenv/versions/3.8.*/bin/python3.8"))
    if not pythons:
        pytest.skip("no Python 3.8 on this machine")
    with Emulator(python=pythons[0]) as emu:
        assert emu.create_unit("old-python")[0]["metadata"]["state"] == "AVAILABLE" and emu.stop() == 0
