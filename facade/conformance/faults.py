"""Applications that fail, on loopback: what the kit points an adapter at to see how it fails.

One small HTTP server answers every GET according to the first segment of its path, so an
adapter configured with base URL ``<server>/status-500/...`` meets an application that answers
500 to everything it asks. Every failing answer echoes what the adapter sent (its path and
query, where a BSN filter travels, and its `Authorization` header, where its secret travels):
an adapter that copies an upstream's answer into its error message is caught leaking both.
`UNREACHABLE` is a port nothing listens on.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNREACHABLE = "unreachable"
FAULTS: dict[str, str] = {
    UNREACHABLE: "nothing listens on its port",
    "status-500": "answers 500 with an error page that echoes the request",
    "status-401": "answers 401 with a body that echoes the request",
    "not-json": "answers 200 with HTML instead of JSON",
    "wrong-shape": "answers 200 with JSON of a shape no API promises",
}
"""Each failing application the kit tries, by name (test ids), with what it does."""

RAISES = frozenset({UNREACHABLE, "status-500", "status-401", "not-json"})
"""Faults after which an answer would be silently wrong: the adapter must raise a `SourceError`.
After `wrong-shape` it may also answer (without the records it cannot read)."""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        mode = self.path.lstrip("/").partition("/")[0].partition("?")[0]
        echo = f"{self.path} {self.headers.get('Authorization', '')}"
        if mode == "status-500":
            self._send(500, "application/json", json.dumps({"detail": f"database error while answering {echo}"}))
        elif mode == "status-401":
            self._send(401, "application/json", json.dumps({"code": "not_authenticated", "detail": f"refused {echo}"}))
        elif mode == "not-json":
            self._send(200, "text/html", f"<html><body>Maintenance: {echo}</body></html>")
        else:
            self._send(200, "application/json", json.dumps({"unexpected": [echo], "results": echo, "count": "many"}))

    def _send(self, status: int, content_type: str, body: str) -> None:
        raw = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:  # the stdlib's name
        """Silent: the kit's output names what failed."""


@contextmanager
def failing_applications() -> Iterator[dict[str, str]]:
    """Fault name -> the root URL of an application that fails that way (loopback, free ports)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="kit-faults", daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        urls = {name: f"{root}/{name}" for name in FAULTS if name != UNREACHABLE}
        yield {UNREACHABLE: f"http://127.0.0.1:{_closed_port()}", **urls}
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
