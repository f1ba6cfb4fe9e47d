"""The connection pool every HTTP source uses (adapters/transport.py), over real sockets.

The pool hands out idle connections only when their socket is not readable: a server that closed
a keep-alive connection leaves it readable (the end of the stream). Our stream answers that from
its own socket instead of anyio's attribute table; if it answered wrongly, the next call would be
sent on a dead connection and fail (or be retried), and connections would never be reused.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import select
import socket
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.http import UpstreamClient, UpstreamSettings, _check_relative
from adapters.protocol import SourceUnavailable
from adapters.transport import (
    CheapIdleCheckBackend,
    PooledTransport,
    SocketAtHandStream,
    pooled_transport,
    socket_readable,
)

BODY = b'{"ok": true}'


class CountingServer:
    """A raw HTTP/1.1 server on loopback: answers every GET with `BODY`, keeps connections open
    unless `close_after_answer`, and counts the connections it accepted."""

    def __init__(self, close_after_answer: bool = False, tls: ssl.SSLContext | None = None):
        self.close_after_answer = close_after_answer
        self.tls = tls
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

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


def _certificate_authority(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA certificate file and a server context for 127.0.0.1 with a certificate it signed."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder(subject_name=ca_name, issuer_name=ca_name, public_key=ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(*[False] * 5, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder(
            subject_name=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]),
            issuer_name=ca_name,
            public_key=server_key.public_key(),
        )
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, chain, key = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key)
    return ca_file, context


async def test_an_https_source_is_verified_against_ssl_cert_file_and_its_connection_reused(monkeypatch, tmp_path):
    """TLS goes through our stream as through httpx's own transport: the CA named in `SSL_CERT_FILE`
    (httpx's `trust_env`) is trusted, an unknown one is not, and an idle TLS connection is reused."""
    ca_file, server_context = _certificate_authority(tmp_path)
    server = CountingServer(tls=server_context)
    async with server as base:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        untrusting = _client(base)
        try:
            with pytest.raises(SourceUnavailable):
                await untrusting.get_json("answer")
        finally:
            await untrusting.aclose()
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        client = _client(base)
        try:
            assert isinstance(client._client._transport, PooledTransport)
            for _ in range(5):
                await asyncio.sleep(0.02)  # the idle check runs on a TLS socket at rest
                assert await client.get_json("answer") == {"ok": True}
            assert server.connections == 1  # one kept connection (the refused handshake never got to serve)
        finally:
            await client.aclose()


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_is_left_to_httpx(monkeypatch, variable):
    monkeypatch.setenv(variable, "http://proxy.gemeente.example:3128")
    assert pooled_transport(httpx.Limits(max_connections=4)) is None
    client = UpstreamClient("proxied", UpstreamSettings(base_url="https://zaken.gemeente.example/api/v1"))
    assert not isinstance(client._client._transport, PooledTransport)


def test_no_proxy_alone_keeps_the_pooled_transport(monkeypatch):
    for variable in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost,.svc.cluster.local")
    assert isinstance(pooled_transport(httpx.Limits(max_connections=4)), PooledTransport)


class PathRecorder(CountingServer):
    """`CountingServer`, remembering the request target of every call."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.targets.append(head.split(b" ")[1].decode())
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY)
        await writer.drain()
        writer.close()


async def test_a_call_goes_to_the_path_below_the_base_url_with_its_query_encoded_as_httpx_does():
    server = PathRecorder()
    async with server as root:
        client = UpstreamClient("paths", UpstreamSettings(base_url=f"{root}/contactmomenten/api/v1", retries=0))
        link = f"{root}/contactmomenten/api/v1/contactmomenten/2a7e446f-6094-4a62-bfae-e067d8cf0ebe"
        try:
            await client.get_json("klantcontactmomenten", {"contactmoment": link})
            await client.get_json("klanten", {"naam": "Jan de Vries & zn", "x": "é/ü?#=", "a": ["1", "2"]})
            await client.get_json("klanten?page=2", {"pageSize": 5})
            await client.get_json("klanten/a b")
        finally:
            await client.aclose()
    assert server.targets == [
        "/contactmomenten/api/v1/klantcontactmomenten?contactmoment=http%3A%2F%2F127.0.0.1%3A"
        f"{root.rsplit(':', 1)[1]}%2Fcontactmomenten%2Fapi%2Fv1%2Fcontactmomenten"
        "%2F2a7e446f-6094-4a62-bfae-e067d8cf0ebe",
        "/contactmomenten/api/v1/klanten?naam=Jan+de+Vries+%26+zn&x=%C3%A9%2F%C3%BC%3F%23%3D&a=1&a=2",
        "/contactmomenten/api/v1/klanten?page=2&pageSize=5",
        "/contactmomenten/api/v1/klanten/a%20b",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "https://elders.example/api",
        "/admin",
        "klanten/../../admin",
        "klanten/%2e%2e/x",
        "klanten/..;jsessionid=x/admin",  # Java servers read a segment's path parameter away
        "klanten\\..\\admin",  # a separator to IIS
        "klanten/%5c../admin",
        "./klanten",
        "a/%2E/b",
        "..#",  # httpx resolves the dot segment before the fragment: the API's parent
        "klanten/..#x",
        "klanten#",  # a fragment is never sent: a query after it would be dropped (a filter lost)
    ],
)
async def test_a_path_outside_the_base_url_is_never_asked(path):
    server = PathRecorder()
    async with server as root:
        client = UpstreamClient("paths", UpstreamSettings(base_url=f"{root}/api/v1", retries=0))
        try:
            with pytest.raises(ValueError, match="base URL"):
                await client.get_json(path)
            with pytest.raises(ValueError, match="base URL"):
                await client.send_json("POST", path, {})
        finally:
            await client.aclose()
    assert server.targets == []


_SEGMENT = st.text(st.characters(exclude_characters="#?:", exclude_categories=("Cc", "Cs")), max_size=8)
_SCALAR = st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    base=st.sampled_from(["http://h.example/api/v1", "https://h.example:8443/zaken/api/v1/", "http://h.example/a%20b"]),
    path=st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join),
    params=st.one_of(
        st.none(), st.dictionaries(st.text(max_size=5), st.one_of(_SCALAR, st.lists(_SCALAR, max_size=3)), max_size=3)
    ),
)
def test_the_url_of_a_call_is_the_one_httpx_builds_from_the_base_url_and_params(base, path, params):
    """`_url` builds the URL itself (it is cheaper): the upstream must see the same request target
    as when httpx merged `base_url`, the path and `params` (an empty query aside)."""
    try:
        _check_relative(path)
    except ValueError:
        return
    client = _URL_CLIENTS[base]
    expected = client._client.build_request("GET", path, params=params).url
    built = client._client.build_request("GET", client._url(path, params)).url
    assert str(built).removesuffix("?") == str(expected).removesuffix("?")


_URL_CLIENTS = {
    base: UpstreamClient("urls", UpstreamSettings(base_url=base), transport=httpx.MockTransport(lambda _: None))
    for base in ("http://h.example/api/v1", "https://h.example:8443/zaken/api/v1/", "http://h.example/a%20b")
}


@pytest.mark.parametrize("has_poll", [True, False], ids=["poll", "select (no poll: Windows)"])
def test_a_socket_is_readable_once_data_or_its_end_arrives(monkeypatch, has_poll):
    if not has_poll:
        monkeypatch.delattr(select, "poll", raising=False)
    ours, theirs = socket.socketpair()
    try:
        assert not socket_readable(ours)
        theirs.close()  # the server's close: the end of the stream is there to read
        assert socket_readable(ours)
    finally:
        ours.close()
    assert socket_readable(ours)  # closed: the pool must drop it
    assert socket_readable(None)
