"""What one API request may cost the sources, and the structured concurrency that keeps it so.

A `Budget` is per request (docs/decisions/0014-cost-follows-the-page.md): a number of upstream
requests and a number of concurrent tasks. An upstream request is an HTTP request an adapter
sends through the shared HTTP tooling (`adapters/http.py` tells the budget about each one,
retries included), or one call of an adapter that does not use it (an in-process application).
When the budget is spent, every further request of that API request is refused with
`BudgetExhausted`: the sources that could not be asked are missing from an ordinary list (which
says so: `Facade-Incomplete: <source>;reason=budget`), a strict request or lookup is a 503, and
no source's breaker counts it (it is the façade's plan, not the source, that asked too much).

`gather` is how the engine runs work concurrently: it counts its tasks against the budget, and
when one fails the others are cancelled, so no work of a request outlives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from adapters.concurrency import concurrently
from adapters.protocol import SourceError

T = TypeVar("T")

# Sized from the benchmarks (bench/README.md): the costliest request there is the ZGW chain (VNG
# flavour, no expand: 26 upstream requests for 6 contactmomenten, about 5 per contactmoment), so a
# full page of 100 costs about 500; a page of 100 partijen merged over three Klantinteracties
# registers about 200; a lookup or detail a few. Twice the largest, and tasks to match.
DEFAULT_UPSTREAM_REQUESTS = 1_000
DEFAULT_TASKS = 2_000


class BudgetExhausted(SourceError):
    """The request has spent its budget: nothing more is asked of any source for it."""

    reason = "budget"


@dataclass
class Budget:
    upstream_requests: int = DEFAULT_UPSTREAM_REQUESTS
    """Upstream requests one API request may cause, over all sources."""
    tasks: int = DEFAULT_TASKS
    """Tasks the engine may start for one API request."""
    requests_spent: int = 0
    tasks_spent: int = 0

    @property
    def exhausted(self) -> bool:
        return self.requests_spent >= self.upstream_requests

    def spend_request(self, refusable: bool = True) -> None:
        """One more upstream request, or `BudgetExhausted` when none is left (unless the request
        may not be refused: a write, or the undoing of one, is counted but always sent)."""
        if refusable and self.exhausted:
            raise BudgetExhausted(f"the request's budget of {self.upstream_requests} upstream requests is spent")
        self.requests_spent += 1

    def spend_tasks(self, count: int) -> None:
        if self.tasks_spent + count > self.tasks:
            self.requests_spent = max(self.requests_spent, self.upstream_requests)  # and nothing more is asked
            raise BudgetExhausted(f"the request's budget of {self.tasks} tasks is spent")
        self.tasks_spent += count


class CallMeter:
    """The `adapters.http.UpstreamMeter` of one adapter call: spends the request's budget per
    upstream request and notes whether the source answered anything during the call."""

    def __init__(self, budget: Budget, refusable: bool = True):
        self.budget = budget
        self.refusable = refusable
        """False for a write: its upstream requests are counted, never refused halfway."""
        self.sent = 0
        self.answers = 0

    def before_call(self) -> None:
        """The call itself counts as its first upstream request (an in-process adapter sends none)."""
        self.budget.spend_request(self.refusable)

    def before_request(self) -> None:
        self.sent += 1
        if self.sent > 1:  # the first one was paid for by the call
            self.budget.spend_request(self.refusable)

    def answered(self) -> None:
        self.answers += 1


async def gather(budget: Budget, aws: Iterable[Awaitable[T]]) -> list[T]:
    """Like `asyncio.gather`, but counted against the budget, and when one fails (or the caller
    is cancelled) the others are cancelled and awaited: nothing keeps running for a request
    that has its answer or its error."""
    awaitables = list(aws)
    try:
        budget.spend_tasks(len(awaitables))
    except BudgetExhausted:
        for awaitable in awaitables:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # never started: no "never awaited" warning
        raise
    return await concurrently(awaitables)
