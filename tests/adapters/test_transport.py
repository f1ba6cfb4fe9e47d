"""The connection pool every HTTP source uses (adapters/transport.py), over real sockets.

The pool hands out idle connections only when their socket is not readable: a server that closed
a keep-alive connection leaves it readable (the end of the stream). Our stream answers that from
its own socket instead of anyio's attribute table; if it answered wrongly, the next call would be
sent on a dead connection and fail (or be retried), and connections would never be reused.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapters.http import UpstreamClient, UpstreamSettings
from adapters.transport import CheapIdleCheckBackend, PooledTransport, SocketAtHandStream, pooled_transport

BODY = b'{"ok": true}'


class CountingServer:
    """A raw HTTP/1.1 server on loopback: answers every GET with `BODY`, keeps connections open
    unless `close_after_answer`, and counts the connections it accepted."""

    def __init__(self, close_after_answer: bool = False):
        self.close_after_answer = close_after_answer
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                writer.write(head % len(BODY) + BODY)
                await writer.drain()
                if self.close_after_answer:
                    break  # closes the connection without saying so: the client's idle check must see it
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _client(base: str) -> UpstreamClient:
    return UpstreamClient("counted", UpstreamSettings(base_url=base, timeout=10.0, retries=0))


async def test_connections_are_reused_while_the_server_keeps_them():
    server = CountingServer()
    async with server as base:
        client = _client(base)
        try:
            for _ in range(5):
                assert await client.get_json("answer") == {"ok": True}
            assert server.connections == 1
            answers = await asyncio.gather(*(client.get_json("answer") for _ in range(3)))
            assert answers == [{"ok": True}] * 3
            assert server.connections == 3  # the kept one and two more: never one per call
        finally:
            await client.aclose()


async def test_a_connection_the_server_closed_is_never_used_again():
    server = CountingServer(close_after_answer=True)
    async with server as base:
        client = _client(base)  # no retries: a call sent on the dead connection would fail
        try:
            for calls in range(1, 6):
                await asyncio.sleep(0.05)  # the server's close has reached the client's socket
                assert await client.get_json("answer") == {"ok": True}
                assert server.connections == calls
        finally:
            await client.aclose()


async def test_every_source_client_goes_through_the_cheap_idle_check():
    async with CountingServer() as base:
        client = _client(base)
        try:
            await client.get_json("answer")
            transport = client._client._transport  # which pool answered is the point
            assert isinstance(transport, PooledTransport)
            backend = transport._pool._network_backend
            assert isinstance(backend, CheapIdleCheckBackend)
            assert backend.opened == 1  # httpx sent the call through our pool, not one of its own
            (connection,) = transport._pool.connections
            assert isinstance(connection._connection._network_stream, SocketAtHandStream)
        finally:
            await client.aclose()


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_is_left_to_httpx(monkeypatch, variable):
    monkeypatch.setenv(variable, "http://proxy.gemeente.example:3128")
    assert pooled_transport(httpx.Limits(max_connections=4)) is None
    client = UpstreamClient("proxied", UpstreamSettings(base_url="https://zaken.gemeente.example/api/v1"))
    assert not isinstance(client._client._transport, PooledTransport)
