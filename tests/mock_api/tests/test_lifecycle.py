# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting and stopping the server, its flags, TLS, and misbehaving clients."""

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
import threading
from urllib.parse import urlsplit

import pytest

from harness import SERVER, Emulator, EmulatorError


def test_prints_one_url_line_and_stops_with_exit_0_on_sigterm_even_with_a_keep_alive_connection_open():
    emu = Emulator().start()
    assert re.match(r"^http://127\.0\.0\.1:\d+/cloudapi/v6$", emu.url)
    assert emu.api("GET", "/backupunits")[0] == 200
    parts = urlsplit(emu.url)
    with socket.create_connection((parts.hostname, parts.port)):
        assert emu.stop() == 0
    assert emu.stderr() == ""  # quiet by default


def test_stops_with_exit_0_on_sigint_and_prints_nothing_else():
    process = subprocess.Popen([sys.executable, SERVER, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().decode().strip().endswith("/cloudapi/v6")
    process.send_signal(signal.SIGINT)
    assert process.communicate(timeout=30) == (b"", b"")
    assert process.returncode == 0


def test_custom_credentials():
    with Emulator(username="alice", password="wonder land", token="tok-123") as emu:
        assert (emu.username, emu.password, emu.token) == ("alice", "wonder land", "tok-123")
        assert emu.api("GET", "/backupunits")[0] == 200
        assert emu.api("GET", "/backupunits", auth="token")[0] == 200
        assert emu.api("GET", "/backupunits", auth=None, headers={"Authorization": "Bearer emulator-token"})[0] == 401
        assert emu.create_unit("by-alice")[0]["metadata"]["createdBy"] == "alice"


def server_fails(args):
    result = subprocess.run([sys.executable, SERVER] + args, capture_output=True, timeout=30, check=False)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    return result.stderr.decode()


def test_fixed_port_and_busy_port_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with Emulator(port=port) as emu:
        assert emu.url == "http://127.0.0.1:%d/cloudapi/v6" % port
        assert "cannot listen" in server_fails(["--port", str(port)])


@pytest.mark.parametrize("args,message", [
    (["--provisioning-delay", "-1"], "provisioning-delay"),
    (["--rate-limit", "0"], "rate-limit"),
    (["--rate-burst", "3"], "needs --rate-limit"),
    (["--tls-cert", "x.pem"], "go together"),
    (["--tls-cert", "{bogus}", "--tls-key", "{bogus}"], "TLS"),
    (["--contracts", "31415926,abc"], "--contracts"),
    (["--contracts", "0"], "--contracts"),
])
def test_bad_flags_give_a_one_line_error(args, message, tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    assert message in server_fails([arg.format(bogus=bogus) for arg in args])


def test_harness_reports_a_server_that_does_not_start():
    with pytest.raises(EmulatorError, match="rate-limit"):
        Emulator(rate_limit=0).start()


def test_verbose_logs_requests_on_stderr():
    with Emulator(verbose=True) as emu:
        emu.api("GET", "/backupunits")
        emu.wait_until(lambda: "/cloudapi/v6/backupunits" in emu.stderr(), timeout=30)


def test_survives_clients_that_disconnect_mid_request(emu):
    parts = urlsplit(emu.url)
    for payload in (b"", b"GET /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\n",
                    b"POST /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"prop",
                    b"garbage\r\n\r\n"):
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.sendall(payload)
    # a client that sends a request and leaves before reading the (large) answer
    for index in range(300):
        emu.create_unit("bulk-%03d" % index)
    for client_number in range(5):
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.sendall(b"GET /cloudapi/v6/backupunits?depth=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                         + emu.token.encode() + b"\r\n\r\n")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    status, _headers, body = emu.api("GET", "/backupunits")
    assert (status, len(body["items"])) == (200, 300)


def test_tls_serves_https_with_https_hrefs(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=120)
    with Emulator(tls_cert=cert, tls_key=key) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        unit, headers = emu.create_unit("secure")
        assert unit["href"].startswith("https://") and headers["location"].startswith("https://")
        parts = urlsplit(emu.url)
        # a verifying client that trusts the certificate
        verifying = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30,
                                                context=ssl.create_default_context(cafile=cert))
        verifying.request("GET", parts.path + "/backupunits", headers=emu.auth_header("token"))
        assert verifying.getresponse().status == 200
        verifying.close()
        # a plain-HTTP or stalled client does not block others
        with socket.create_connection((parts.hostname, parts.port)), \
                socket.create_connection((parts.hostname, parts.port)) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert emu.api("GET", "/backupunits")[0] == 200
        assert emu.stop() == 0


def test_runs_on_the_oldest_supported_python():
    candidates = ["/usr/bin/python3.8", "/usr/local/bin/python3.8"]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8.*/bin/python3.8")))
    python = next((c for c in candidates if os.access(c, os.X_OK)), None)
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    with Emulator(python=python, provisioning_delay=0) as emu:
        unit = emu.create_unit("old-python")[0]
        assert emu.api("GET", "/backupunits/" + unit["id"])[2]["metadata"]["state"] == "AVAILABLE"
        assert emu.stop() == 0


def test_concurrent_starts_get_distinct_ports():
    emulators = [Emulator() for index in range(3)]
    threads = [threading.Thread(target=e.start) for e in emulators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert len({e.url for e in emulators}) == 3
    finally:
        for e in emulators:
            e.stop()
