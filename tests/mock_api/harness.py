# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the API emulator in a subprocess for tests and drive it (standard library only); usage in README.md.
Keyword arguments map to flags: ``provisioning_delay=0.05`` -> ``--provisioning-delay=0.05``, ``request_tracking=False``
-> ``--no-request-tracking``, ``contracts=[1, 2]`` -> ``--contracts=1,2``."""

import base64
import collections
import http.client
import json
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from os.path import abspath, dirname, join
from urllib.parse import urlsplit

SERVER = join(dirname(abspath(__file__)), "server.py")


class EmulatorError(RuntimeError):
    pass


def _flags(options):
    flags = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        elif value is not None:
            if isinstance(value, (list, tuple)):
                value = ",".join(str(item) for item in value)
            # One "--flag=value" word: a random credential may start with "-", which argparse
            # would take for an option if the value were a word of its own.
            flags.append("%s=%s" % (flag, value))
    return flags


class Emulator:
    """A running emulator; a context manager that starts and stops it."""

    def __init__(self, python=None, **options):
        self.options = options
        self.python = python or sys.executable
        self.username = options.get("username", "emulator-user")
        self.password = options.get("password", "emulator-password")
        self.token = options.get("token", "emulator-token")
        self.process = self.url = self.control_url = None
        self._stderr = collections.deque(maxlen=200)

    def start(self):
        command = [self.python, SERVER, "--port", "0"] + _flags(self.options)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)  # seconds: generous, a loaded 2-core machine starts Python slowly
        line = lines[0].decode("utf-8").strip() if lines else ""
        if not line:
            self.stop()
            raise EmulatorError("the emulator did not start: %s" % self.stderr().strip())
        self.url, self.control_url = line, line[:-len("/cloudapi/v6")] + "/_emulator"  # the same host and port
        return self

    def _drain_stderr(self):
        for line in iter(self.process.stderr.readline, b""):
            self._stderr.append(line.decode("utf-8", "replace"))

    def stderr(self):
        """What the server wrote on stderr so far (the last 200 lines)."""
        return "".join(self._stderr)

    def stop(self, timeout=15):
        """SIGTERM, then wait; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process.stdout.close()
        return self.process.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- HTTP -----------------------------------------------------------------------------------

    def raw(self, method, url, body=None, headers=None, timeout=30):
        """One HTTP exchange (TLS not verified): (status, headers dict with lower-case names, body bytes)."""
        parts = urlsplit(url)
        if parts.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def auth_header(self, kind="basic"):
        if kind == "token":
            return {"Authorization": "Bearer " + self.token}
        credentials = base64.b64encode(("%s:%s" % (self.username, self.password)).encode()).decode()
        return {"Authorization": "Basic " + credentials}

    def api(self, method, path, body=None, headers=None, auth="basic", **kwargs):
        """Call the API (path below the base URL) with credentials. Returns (status, headers, parsed body)."""
        all_headers = {} if auth is None else self.auth_header(auth)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        status, response_headers, data = self.raw(method, self.url + path, body, all_headers, **kwargs)
        return status, response_headers, (json.loads(data) if data else None)

    def _control(self, method, path, body=None):
        headers = {} if body is None else {"Content-Type": "application/json"}
        status, _headers, data = self.raw(method, self.control_url + path, None if body is None else json.dumps(body),
                                          headers)
        result = json.loads(data) if data else None
        if status != 200:
            raise EmulatorError("%s %s: %s %s" % (method, path, status, (result or {}).get("error")))
        return result

    # -- control API ----------------------------------------------------------------------------

    def reset(self):
        self._control("POST", "/reset")

    def log(self):
        return self._control("GET", "/log")["requests"]

    def clear_log(self):
        self._control("DELETE", "/log")

    def add_fault(self, **rule):
        return self._control("POST", "/faults", rule)["fault"]

    def faults(self):
        return self._control("GET", "/faults")["faults"]

    def clear_faults(self):
        self._control("DELETE", "/faults")

    def config(self):
        return self._control("GET", "/config")

    def configure(self, **changes):
        return self._control("PATCH", "/config", changes)

    def units(self):
        return self._control("GET", "/units")["units"]

    def sso_tokens(self):
        """Every one-time login token put in an SSO URL since the last reset (for secret scans)."""
        return self._control("GET", "/sso-tokens")["tokens"]

    # -- API shortcuts for tests ---------------------------------------------------------------

    def create_unit(self, name, email="ops@example.com", password="S3cret-pass", headers=None, wait=False):
        """POST one unit (email or password None: left out); (body, response headers) of its 202.

        wait=True: until every unit of the emulator is AVAILABLE (the unit is ready for a test's playbook).
        """
        properties = {key: value for key, value in (("name", name), ("email", email), ("password", password))
                      if value is not None}
        status, response_headers, body = self.api("POST", "/backupunits", {"properties": properties}, headers=headers)
        if status != 202:
            raise EmulatorError("creating %s: %s %s" % (name, status, body))
        if wait:
            self.wait_all_available()
        return body, response_headers

    def wait_all_available(self, timeout=30):
        """Until every unit of the emulator is AVAILABLE."""
        self.wait_until(lambda: all(unit["state"] == "AVAILABLE" for unit in self.units()), timeout=timeout)

    def unit_state(self, unit_id):
        """The unit's metadata.state through the API, or the HTTP status when it cannot be read."""
        status, _headers, body = self.api("GET", "/backupunits/" + unit_id)
        return body["metadata"]["state"] if status == 200 else status

    def wait_until(self, predicate, timeout=30, interval=0.02):
        """Poll predicate() until it is truthy; return its value or raise after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise EmulatorError("condition not met within %s s" % timeout)
            time.sleep(interval)


def request_id_of(location):
    """The request id in a write's Location header (.../requests/<id>/status)."""
    return re.match(r".*/requests/([^/]+)/status$", location).group(1)
