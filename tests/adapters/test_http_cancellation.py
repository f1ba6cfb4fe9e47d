"""A cancelled upstream call leaves the source's connection pool as it found it.

The engine cancels upstream calls a request no longer needs: the other candidate sources of a
detail once one holds the object, the rest of a request past its deadline or budget. httpcore can
leave a connection whose exchange is cancelled at the wrong moment marked active in its pool for
good (encode/httpcore#1093): once `max_connections` of them had piled up, every call to that
source waited for a connection until its timeout, and a healthy source looked dead to every
client (seen in the writes tests: a detail GET after a few dozen others was a 503).
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.http import UpstreamClient, UpstreamSettings
from adapters.protocol import SourceTimeout
from tests.support.fault_server import serving

POOL = 4
"""Connections the client may open: far fewer than the calls cancelled below."""


async def _answer(request) -> JSONResponse:
    return JSONResponse({"ok": True})


APP = Starlette(routes=[Route("/answer", _answer)])


async def test_calls_cancelled_at_any_moment_of_their_exchange_leave_the_pool_whole():
    with serving(APP) as base:
        client = UpstreamClient("quick", UpstreamSettings(base_url=base, timeout=5.0, max_connections=POOL))
        try:
            assert await client.get_json("answer") == {"ok": True}
            for attempt in range(400):
                call = asyncio.ensure_future(client.get_json("answer"))
                await asyncio.sleep((attempt % 40) / 10_000)  # cut at every moment of the exchange, in turn
                call.cancel()
                await asyncio.gather(call, return_exceptions=True)
            try:
                answer = await client.get_json("answer")
            except SourceTimeout:
                raise AssertionError("cancelled calls used up the connection pool") from None
            assert answer == {"ok": True}
        finally:
            await client.aclose()
