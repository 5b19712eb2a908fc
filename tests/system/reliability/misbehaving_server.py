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


TRUNCATED_BODY = b'{"id" : "backupunits", "type" : "collection", "items" : [ {"id" : "3f7a1c2e-93b4-4d6e'
HUGE_OPENING = b'{"id" : "backupunits", "items" : [ "'
ANSWERS = {"not-json": (200, "application/json", b"OK, request received\n"),
           "proxy-html": (502, "text/html", PROXY_502_PAGE),
           "proxy-login": (200, "text/html; charset=utf-8", LOGIN_PAGE)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):     # quiet: tests read server.requests instead
        pass

    def _answer(self):
        self.server.requests.append((self.command, self.path, self.headers.get("X-Contract-Number")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        mode = self.path.lstrip("/").split("/", 1)[0]
        if mode == "truncated":
            self._send(200, "application/json", TRUNCATED_BODY, length=len(TRUNCATED_BODY) * 40)
            self.close_connection = True
        elif mode == "huge":
            self._send(200, "application/json", HUGE_OPENING, length=HUGE_BODY_BYTES)
            for offset in range(len(HUGE_OPENING), HUGE_BODY_BYTES, 65536):
                self.wfile.write(b"x" * min(65536, HUGE_BODY_BYTES - offset))
        else:
            self._send(*ANSWERS.get(mode, (404, "text/plain", b"unknown mode\n")))

    def _send(self, status, content_type, body, length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length or len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


class MisbehavingServer(ThreadingHTTPServer):
    """Serves in a background thread for the duration of a ``with`` block."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = []

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        self.server_close()

    def url(self, mode):
        assert mode in MODES, mode
        return "http://127.0.0.1:%d/%s/cloudapi/v6" % (self.server_address[1], mode)
