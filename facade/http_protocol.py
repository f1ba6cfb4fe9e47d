"""uvicorn's HTTP protocol (httptools) with TCP_NODELAY on every connection and a bounded
request head: what `serve` runs.

With `--workers` above 1 uvicorn binds the listening socket itself, without a protocol number,
and asyncio then leaves Nagle's algorithm on for the accepted connections: a response written
in two parts waits for the client's delayed ACK, about 40 ms per request on keep-alive
connections (bench/README.md).

httptools, unlike h11, sets no limit on a request's head: a client could make the façade buffer
a request line and headers of any size. The head is read up to `MAX_REQUEST_HEAD` bytes (far
above what a real client sends: Open Klant's own server stops at 8 KiB a header line); a larger
one is answered 431 and the connection closed. A module of its own: worker processes import it
by name.
"""

from __future__ import annotations

import contextlib
import socket

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_HEAD = 64 * 1024
"""Largest request line plus headers read, in bytes (beyond it: a bit over one read of the socket)."""

_TOO_LARGE = orjson.dumps(
    {
        "type": "/ref/fouten/RequestHeaderFieldsTooLarge/",
        "code": "request_header_fields_too_large",
        "title": "De headers van het verzoek zijn te groot.",
        "status": 431,
        "detail": f"De verzoekregel en headers samen zijn groter dan {MAX_REQUEST_HEAD} bytes.",
    }
)


class NoDelayHttpProtocol(HttpToolsProtocol):  # type: ignore[misc]
    _in_head = True
    """Bytes received now belong to a request's head (the first, or the next on a kept connection)."""
    _head_bytes = 0

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def, override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        in_head = self._in_head
        super().data_received(data)
        if in_head and self._in_head:  # the head has not ended in this data: the parser keeps it
            self._head_bytes += len(data)
            if self._head_bytes > MAX_REQUEST_HEAD and not self.transport.is_closing():
                self._refuse_head()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def _refuse_head(self) -> None:
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head % len(_TOO_LARGE) + _TOO_LARGE)
        self.transport.close()
