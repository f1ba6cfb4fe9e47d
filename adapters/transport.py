"""The connection pool of every HTTP source: httpx's own transport and httpcore's own pool, with
one cost taken out.

Before it hands out a connection, httpcore's pool asks every idle connection whether its socket
has become readable (the server closed it). Through anyio each question builds the stream's
whole attribute table, peer address lookups included: with a few dozen upstream calls per
request (the ZGW chain) that was a sixth of the façade's CPU (encode/httpcore#928). Our
network stream keeps its socket at hand and asks it directly; reading, writing, TLS and
timeouts stay anyio's, through httpcore's own backend.

A proxy named in the environment (`HTTPS_PROXY`, ...) is honoured as before: the source then
uses httpx's transport unchanged (`pooled_transport` returns None).

The `timeout` parameters are httpcore's network-stream protocol, passed on as they come.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
import urllib.request
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


def pooled_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """The transport for one source's client; None where httpx must choose (a proxy is configured)."""
    if any(scheme != "no" for scheme in urllib.request.getproxies()):  # NO_PROXY alone names no proxy
        return None
    return PooledTransport(limits)


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over httpcore's pool, with `CheapIdleCheckBackend` as its network backend."""

    def __init__(self, limits: httpx.Limits):
        ssl_context = httpx.create_ssl_context()  # as httpx's own: certifi, or SSL_CERT_FILE / SSL_CERT_DIR
        super().__init__(verify=ssl_context, limits=limits)
        # httpx offers no way to name the pool's network backend: the same pool, built with ours.
        # tests/adapters/test_transport.py fails if httpx stops sending through `_pool`.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheapIdleCheckBackend(),
        )


class CheapIdleCheckBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams answering `is_readable` from their own socket."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()
        self.opened = 0
        """Connections opened (tests count them)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        self.opened += 1
        return SocketAtHandStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketAtHandStream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class SocketAtHandStream(httpcore.AsyncNetworkStream):
    """A network stream that keeps its socket, to tell without a lookup whether it is readable."""

    def __init__(self, stream: httpcore.AsyncNetworkStream):
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketAtHandStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return socket_readable(self._socket)
        return self._stream.get_extra_info(info)


def socket_readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once: data, or the end a server's close leaves. A socket
    that is gone counts as readable, so that the pool drops its connection."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows (httpcore's own check falls back the same way)
        return bool(select.select([fd], [], [], 0)[0])
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))
