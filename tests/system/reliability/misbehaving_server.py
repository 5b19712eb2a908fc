# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny HTTP server that answers like a broken API or a proxy in front of it (standard library only).

The first path segment picks the misbehaviour; point ``api_url`` at ``<base>/<mode>/cloudapi/v6``:

    not-json     200, Content-Type application/json, a body that is plain text
    proxy-html   502 with an nginx "Bad Gateway" HTML page (a proxy whose upstream is down)
    proxy-login  200 with an HTML login page (a captive portal or an SSO proxy)
    truncated    200 whose Content-Length promises more than is sent before the connection closes
    huge         200 with HUGE_BODY_BYTES of JSON-looking text that never becomes valid JSON

Every request is recorded (method, path, X-Contract-Number) so tests can prove nothing was written.

    with MisbehavingServer() as server:
        server.url("not-json")        # http://127.0.0.1:PORT/not-json/cloudapi/v6
        server.requests               # [(method, path, contract header or None), ...]
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE_BODY_BYTES = 32 * 1024 * 1024
MODES = ("not-json", "proxy-html", "proxy-login", "truncated", "huge")

PROXY_502_PAGE = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                  b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
                  b"</body>\r\n</html>\r\n")
LOGIN_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Sign in - Corporate Proxy</title></head>\n"
              b"<body><form method=\"post\" action=\"/login\"><input name=\"user\"><input name=\"pass\" "
              b"type=\"password\"><button>Sign in</button></form></body></html>\n")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):     # quiet: tests read self.server.requests instead
        pass

    def _answer(self):
        self.server.record(self.command, self.path, self.headers.get("X-Contract-Number"))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        mode = self.path.lstrip("/").split("/", 1)[0]
        if mode == "not-json":
            self._send(200, "application/json", b"OK, request received\n")
        elif mode == "proxy-html":
            self._send(502, "text/html", PROXY_502_PAGE)
        elif mode == "proxy-login":
            self._send(200, "text/html; charset=utf-8", LOGIN_PAGE)
        elif mode == "truncated":
            body = b'{"id" : "backupunits", "type" : "collection", "items" : [ {"id" : "3f7a1c2e-93b4-4d6e'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) * 40))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(HUGE_BODY_BYTES))
            self.end_headers()
            opening = b'{"id" : "backupunits", "items" : [ "'
            self.wfile.write(opening)
            chunk = b"x" * 65536
            remaining = HUGE_BODY_BYTES - len(opening)
            while remaining > 0:
                piece = chunk[:remaining]
                self.wfile.write(piece)
                remaining -= len(piece)
        else:
            self._send(404, "text/plain", b"unknown mode\n")

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = []
        self._lock = threading.Lock()

    def record(self, method, path, contract):
        with self._lock:
            self.requests.append((method, path, contract))


class MisbehavingServer:
    """Runs the server in a background thread for the duration of a ``with`` block."""

    def __init__(self):
        self._server = None
        self._thread = None

    def __enter__(self):
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    @property
    def requests(self):
        with self._server._lock:
            return list(self._server.requests)

    def url(self, mode):
        assert mode in MODES, mode
        return "http://127.0.0.1:%d/%s/cloudapi/v6" % (self._server.server_address[1], mode)
