"""A Klantinteracties register on loopback that counts, and can lie or hang.

`CountingUpstream` wraps a Klantinteracties API (an ASGI app: this façade over the CRM demo)
and counts every request it gets. A test switches what it does:

- `claimed_count`: every list answer claims this `count` (50,000,000: "I am huge");
- `endless`: every list page is full (the first page's records, repeated up to `pageSize`), so a
  reader that believes the claimed count never reaches a short page;
- `hang`: no answer while it is set (a test's teardown clears it, so the server can stop).

`LoopWatch` wraps the façade under test to find its event loop, so a test can count its tasks.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson

from facade.api.app import create_app
from tests.conftest import settings

_PAGE = re.compile(rb"(^|&)page=\d+")
_PAGE_SIZE = re.compile(rb"(?:^|&)pageSize=(\d+)")


def demo_register():
    """This façade over the CRM demo, not merging (as Open Klant): the honest register."""
    return create_app(settings(merge_partijen=False))


class CountingUpstream:
    def __init__(self, app):
        self.app = app
        self.requests = 0
        self.claimed_count: int | None = None
        self.endless = False
        self.hang = False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        while self.hang:  # noqa: ASYNC110  # set and cleared from the test's thread, not this loop's
            await asyncio.sleep(0.05)
        if self.claimed_count is None and not self.endless:
            await self.app(scope, receive, send)
            return
        size = None
        if self.endless:
            size = int(found.group(1)) if (found := _PAGE_SIZE.search(scope["query_string"])) else 100
            scope = {**scope, "query_string": _PAGE.sub(rb"\1page=1", scope["query_string"])}
        await self._rewritten(scope, receive, send, size)

    async def _rewritten(self, scope, receive, send, full: int | None) -> None:
        """The wrapped app's answer with the claimed count in a list answer, `full` records long."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        answer = orjson.loads(body) if start.get("status") == 200 else None
        if isinstance(answer, dict) and "count" in answer:
            if self.claimed_count is not None:
                answer["count"] = self.claimed_count
            if full and answer["results"]:
                answer["results"] = (answer["results"] * full)[:full]
            body = orjson.dumps(answer)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start.get("status", 500), "headers": headers})
        await send({"type": "http.response.body", "body": body})


class LoopWatch:
    """ASGI wrapper that notes the event loop the app runs on."""

    def __init__(self, app):
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope, receive, send) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def tasks(self) -> int:
        """Tasks alive on the app's loop (read from another thread: a snapshot)."""
        assert self.loop is not None, "no request has reached the app yet"
        return len(asyncio.all_tasks(self.loop))
