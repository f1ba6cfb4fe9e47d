"""`serve` reads a request's head (request line and headers) up to a limit: httptools, which
uvicorn parses HTTP with, sets none of its own, so a client could make the façade hold a head of
any size. Over real sockets against `klantinteracties-facade serve`."""

from __future__ import annotations

import socket

import orjson

from facade.http_protocol import MAX_REQUEST_HEAD
from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade

CONFIG = {
    "identity_secret": {"env": "T_IDENTITY"},
    "clients": [{"name": "tests", "token": {"env": "T_TOKEN"}}],
    "sources": [{"name": "crm", "kind": "crm_stub", "cache_ttl": 0}],
}
ENV = {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}


def _head(padding: int) -> bytes:
    return (
        b"GET /klantinteracties/api/v1/actoren?pageSize=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Token %s\r\nX-Padding: %s\r\n\r\n" % (TOKEN.encode(), b"a" * padding)
    )


def _answer(connection: socket.socket) -> tuple[int, bytes]:
    """Status and body of one answer (Content-Length framed, as the façade sends JSON)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"closed without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += connection.recv(65536)
    return int(head.split(b" ")[1]), body


def test_a_request_head_larger_than_the_limit_is_refused_and_ordinary_ones_are_served(tmp_path):
    with running_facade(CONFIG, ENV, tmp_path) as base:
        address = ("127.0.0.1", int(base.rsplit(":", 1)[1]))
        with socket.create_connection(address, timeout=30) as connection:
            for _ in range(3):  # heads on one kept connection are counted each on their own
                connection.sendall(_head(MAX_REQUEST_HEAD // 2))
                assert _answer(connection)[0] == 200
            body = b"[" + b" " * (4 * MAX_REQUEST_HEAD) + b"]"  # a body is not the head: the app judges it
            connection.sendall(
                b"POST /klantinteracties/api/v1/partijen HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token %s\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (TOKEN.encode(), len(body), body)
            )
            assert _answer(connection)[0] not in (431, 200, 201)
        with socket.create_connection(address, timeout=30) as connection:
            try:
                connection.sendall(b"GET /klantinteracties/api/v1/actoren HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                for _ in range(64):  # 4 MiB in pieces: never one read that ends the head
                    connection.sendall(b"X-More: " + b"b" * 65536 + b"\r\n")
            except OSError:
                pass  # the façade closed the connection before it had all of it: also a refusal
            status, body = _answer(connection)
            assert status == 431
            assert orjson.loads(body)["code"] == "request_header_fields_too_large"
            assert connection.recv(1) == b""  # and closed
