"""uvicorn's HTTP protocol with TCP_NODELAY on every connection (what `serve` runs).

With `--workers` above 1 uvicorn binds the listening socket itself, without a protocol number,
and asyncio then leaves Nagle's algorithm on for the accepted connections: a response written
in two parts waits for the client's delayed ACK, about 40 ms per request on keep-alive
connections (bench/README.md). A module of its own: worker processes import it by name.
"""

from __future__ import annotations

import contextlib
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHttpProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def, override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
