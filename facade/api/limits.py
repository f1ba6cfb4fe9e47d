"""Limits on what a request may send, and HEAD as GET without a body: ASGI middleware in front of
routing, so every route (and every server) gets the same rules.

- A query string over `MAX_QUERY_LENGTH` characters is a 400.
- A body over `MAX_BODY_BYTES` is a 413, whether its length is announced (`Content-Length`) or
  not (`Transfer-Encoding: chunked`): an unannounced body is read up to the limit before the
  route runs, and handed on as it was.
- A HEAD answer has the headers of the GET answer and no body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facade.api.problems import problem_for_status, problem_response
from facade.errors import InvalidParam, ProblemError

MAX_QUERY_LENGTH = 4096
MAX_BODY_BYTES = 64 * 1024


class RequestLimits:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if len(scope.get("query_string", b"")) > MAX_QUERY_LENGTH:
            problem = ProblemError(
                400,
                "invalid",
                "Invalid input.",
                "",
                [
                    InvalidParam(
                        "nonFieldErrors", "query_too_long", f"De query is langer dan {MAX_QUERY_LENGTH} tekens."
                    )
                ],
            )
            await problem_response(request, problem)(scope, receive, send)
            return
        length = request.headers.get("content-length")
        too_large = problem_for_status(413, f"Een body is hoogstens {MAX_BODY_BYTES} bytes.")
        if length is not None and (not length.isascii() or not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await problem_response(request, too_large)(scope, receive, send)
            return
        if length is None and "transfer-encoding" in request.headers:
            body = await _read_at_most(receive, MAX_BODY_BYTES)
            if body is None:
                await problem_response(request, too_large)(scope, receive, send)
                return
            receive = _replay(body, receive)
        if scope["method"] == "HEAD":
            send = _without_body(send)
        await self.app(scope, receive, send)


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client went away: the route sees an empty rest
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only
