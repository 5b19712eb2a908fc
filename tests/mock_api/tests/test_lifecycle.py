# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting and stopping the server, its flags, TLS, and misbehaving clients."""

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


def test_prints_one_url_line_and_stops_with_exit_0_on_sigterm():
    emu = Emulator().start()
    assert re.match(r"^http://127\.0\.0\.1:\d+/cloudapi/v6$", emu.url)
    assert emu.api("GET", "/backupunits")[0] == 200
    assert emu.stop() == 0
    assert emu.stderr() == ""  # quiet by default


def test_stops_with_exit_0_on_sigint_and_prints_nothing_else():
    process = subprocess.Popen([sys.executable, SERVER, "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    url = process.stdout.readline().decode().strip()
    assert url.endswith("/cloudapi/v6")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert stdout == b""
    assert stderr == b""


def test_stops_while_a_keep_alive_connection_is_open():
    emu = Emulator().start()
    parts = urlsplit(emu.url)
    idle = socket.create_connection((parts.hostname, parts.port))
    try:
        assert emu.stop() == 0
    finally:
        idle.close()


def test_custom_credentials():
    with Emulator(username="alice", password="wonder land", token="tok-123") as emu:
        assert (emu.username, emu.password, emu.token) == ("alice", "wonder land", "tok-123")
        assert emu.api("GET", "/backupunits")[0] == 200
        assert emu.api("GET", "/backupunits", auth="token")[0] == 200
        status, _h, _b = emu.api("GET", "/backupunits", auth=None,
                                 headers={"Authorization": "Bearer emulator-token"})
        assert status == 401
        unit, response_headers = emu.create_unit("by-alice")
        assert unit["metadata"]["createdBy"] == "alice"


def test_fixed_port_and_busy_port_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with Emulator(port=port) as emu:
        assert emu.url == "http://127.0.0.1:%d/cloudapi/v6" % port
        result = subprocess.run([sys.executable, SERVER, "--port", str(port)], capture_output=True, timeout=30, check=False)
        assert result.returncode == 2
        assert b"cannot listen" in result.stderr
        assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--provisioning-delay", "-1"], "provisioning-delay"),
    (["--rate-limit", "0"], "rate-limit"),
    (["--rate-burst", "3"], "needs --rate-limit"),
    (["--tls-cert", "x.pem"], "go together"),
    (["--contracts", "31415926,abc"], "--contracts"),
    (["--contracts", "0"], "--contracts"),
])
def test_bad_flags_give_a_one_line_error(args, message):
    result = subprocess.run([sys.executable, SERVER] + args, capture_output=True, timeout=30, check=False)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_harness_reports_a_server_that_does_not_start():
    with pytest.raises(EmulatorError, match="rate-limit"):
        Emulator(rate_limit=0).start()


def test_verbose_logs_requests_on_stderr():
    emu = Emulator(verbose=True).start()
    try:
        emu.api("GET", "/backupunits")
        emu.wait_until(lambda: "/cloudapi/v6/backupunits" in emu.stderr(), timeout=30)
    finally:
        emu.stop()


def test_survives_clients_that_disconnect_mid_request(emu):
    parts = urlsplit(emu.url)
    for payload in (b"", b"GET /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\n",
                    b"POST /cloudapi/v6/backupunits HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"prop",
                    b"garbage\r\n\r\n"):
        sock = socket.create_connection((parts.hostname, parts.port))
        sock.sendall(payload)
        sock.close()
    # a client that sends a request and leaves before reading the (large) answer
    for index in range(300):
        emu.create_unit("bulk-%03d" % index)
    for client_number in range(5):
        sock = socket.create_connection((parts.hostname, parts.port))
        sock.sendall(b"GET /cloudapi/v6/backupunits?depth=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + emu.token.encode() + b"\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
    assert emu.api("GET", "/backupunits")[0] == 200
    assert len(emu.api("GET", "/backupunits")[2]["items"]) == 300


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=120)
    return cert, key


def test_tls_serves_https_with_https_hrefs(tls_files):
    cert, key = tls_files
    with Emulator(tls_cert=cert, tls_key=key) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        unit, headers = emu.create_unit("secure")
        assert unit["href"].startswith("https://")
        assert headers["location"].startswith("https://")
        # a verifying client that trusts the certificate
        context = ssl.create_default_context(cafile=cert)
        parts = urlsplit(emu.url)
        with socket.create_connection((parts.hostname, parts.port)) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /cloudapi/v6/backupunits HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            b"Authorization: Bearer emulator-token\r\n\r\n")
                answer = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        # a plain-HTTP or stalled client does not block others
        stalled = socket.create_connection((parts.hostname, parts.port))
        plain = socket.create_connection((parts.hostname, parts.port))
        plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
        try:
            assert emu.api("GET", "/backupunits")[0] == 200
        finally:
            stalled.close()
            plain.close()
        assert emu.stop() == 0


def test_bad_tls_files_give_a_one_line_error(tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    result = subprocess.run([sys.executable, SERVER, "--tls-cert", str(bogus), "--tls-key", str(bogus)],
                            capture_output=True, timeout=30, check=False)
    assert result.returncode == 2
    assert b"TLS" in result.stderr
    assert b"Traceback" not in result.stderr


def test_runs_on_the_oldest_supported_python():
    candidates = [os.path.join(root, name) for root in ("/usr/bin", "/usr/local/bin")
                  for name in ("python3.8",)]
    pyenv = os.path.expanduser("~/.pyenv/versions")
    if os.path.isdir(pyenv):
        for version in sorted(os.listdir(pyenv)):
            if version.startswith("3.8."):
                candidates.append(os.path.join(pyenv, version, "bin", "python3.8"))
    python = next((c for c in candidates if os.access(c, os.X_OK)), None)
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    with Emulator(python=python, provisioning_delay=0) as emu:
        unit, response_headers = emu.create_unit("old-python")
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
