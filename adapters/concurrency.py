"""Running upstream reads at the same time, without leaving any behind.

`asyncio.gather` lets the other awaitables run on when one fails: an adapter call that has
already failed (or been cancelled for its request's deadline or budget) would go on asking its
application. `concurrently` cancels them instead, and waits until they have stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def concurrently(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """The results of these awaitables, run at the same time, in their order. When one raises,
    or the caller is cancelled, the others are cancelled (and awaited) before the error goes on."""
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
