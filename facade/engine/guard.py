"""Every call to a source goes through its guard: deadline, circuit breaker, cache (docs/decisions/0010).

- **Deadline**: each call is cut off at the source's timeout, or earlier when the request's own
  deadline comes first.
- **Circuit breaker**: after `failure_threshold` failures in a row the source is skipped for
  `cooldown` seconds (calls fail at once), then one probe call decides.
- **Cache**: answers are kept per source in a cache store (`facade/cache/`: in the process, or
  in Redis shared by every instance); identical concurrent calls share one upstream call
  (coalescing, per instance); within `stale_if_error` after expiry a cached answer is served
  when the source fails. Cache keys are keyed hashes: a BSN in a filter never sits in memory
  as a key. A client's `Cache-Control: no-cache` skips reading the cache.
- Every call and cache lookup is reported to the app's `SourceObserver` (metrics, traces).
- **Writes** pass the deadline and the breaker, never the cache, and are never retried; a write
  the application refuses (`InvalidWrite`, `ObjectGone`, any other 4xx: `SourceRejected`) is
  an answer, not a failure of the source. After a write the engine forgets what the cache
  holds for the affected resources (`invalidate`).

The guard is not an adapter: every call takes the request's `CallContext` (its deadline, whether
to skip the cache, where to note the sources asked) next to the adapter's own arguments, so what
one request knows travels typed with its calls, and adapters never see it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from adapters.diagnostics import describe as describe_error
from adapters.protocol import (
    Adapter,
    InvalidWrite,
    ListPage,
    ListQuery,
    ObjectGone,
    ResourceSupport,
    SourceError,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
    WriteValues,
)
from facade.cache import ABSENT as _ABSENT
from facade.cache import CacheStore, MemoryStore
from facade.cache.answers import AnswerCache
from facade.observability.sources import NO_OBSERVER, SourceObserver
from mapping.ki import KIObject, Partij

log = logging.getLogger("facade.guard")


class CallObserver(Protocol):
    """Told what every call of one request asked a source and what came back (the processing log
    reads every BSN a request processed from it, including those searched on the client's behalf)."""

    def asked(self, resource: str, filters: Mapping[str, Any]) -> None: ...

    def received(self, objects: Iterable[KIObject]) -> None: ...


@dataclass
class CallContext:
    """What one API request tells every call it makes to a source (one per engine request)."""

    deadline: float | None = None
    """`time.monotonic()` by which the whole request must be answered; None: only each source's timeout."""
    bypass_cache: bool = False
    """The client sent `Cache-Control: no-cache`: answers are fetched, not read from the cache."""
    asked: set[str] = field(default_factory=set)
    """Names of the sources this request asked (for the processing log), cached answers included."""
    observer: CallObserver | None = None
    """Sees every query and answer of this request's calls, cached ones included; None: nobody looks."""
    stale: dict[str, float] = field(default_factory=dict)
    """Sources answered from the cache past its freshness because they failed, with the age in seconds
    of the oldest answer served: the response says so (`Warning: 110`, `Age`)."""


@dataclass(frozen=True)
class SourcePolicy:
    timeout: float = 10.0
    failure_threshold: int = 5
    cooldown: float = 30.0
    cache_size: int = 10_000
    cache_ttl: float = 30.0
    """Seconds an answer is fresh; 0 turns the cache off (coalescing stays)."""
    stale_if_error: float = 300.0
    """Seconds after expiry a cached answer may still be served when the source fails."""


_REFUSALS: tuple[type, ...] = (InvalidWrite, ObjectGone)
_WRITE_REFUSALS = (*_REFUSALS, SourceRejected)
"""A write the application refuses (a 4xx: a conflict, a rule of its own) says nothing about its
health: a client's refused writes never open the breaker that every client's reads depend on."""


class BreakerOpen(SourceUnavailable):
    reason = "breaker-open"


class Breaker:
    """Closed -> open after repeated failures -> half-open after the cool-down (one probe)."""

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic):
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def retry_after(self) -> int:
        if self.opened_at is None:
            return 1
        return max(1, round(self.cooldown - (self.clock() - self.opened_at)))

    def admit(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self.probing:
            self.probing = True
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self) -> None:
        self.failures += 1
        self.probing = False
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self.clock()


class GuardedAdapter:
    """Wraps one source's adapter; the engine only ever talks to this wrapper."""

    def __init__(
        self,
        name: str,
        inner: Adapter,
        policy: SourcePolicy,
        key_secret: bytes,
        store: CacheStore | None = None,
        observer: SourceObserver = NO_OBSERVER,
    ):
        self.name = name
        self.inner = inner
        self.resources: Mapping[str, ResourceSupport] = inner.resources
        """What the adapter declared, read once at start-up."""
        self.policy = policy
        self.breaker = Breaker(policy.failure_threshold, policy.cooldown)
        retention = policy.cache_ttl + policy.stale_if_error
        store = store or MemoryStore(policy.cache_size, retention)
        self.cache = AnswerCache(name, store, policy.cache_ttl, policy.stale_if_error, key_secret, observer)
        self.observer = observer
        self._in_flight: dict[bytes, asyncio.Future[Any]] = {}
        self.upstream_calls = 0
        self.last_error: str | None = None

    # --- status for /readyz --------------------------------------------------------------------

    @property
    def status(self) -> Literal["up", "degraded", "breaker-open"]:
        if self.breaker.state != "closed":
            return "breaker-open"
        return "degraded" if self.breaker.failures else "up"

    # --- the adapter's reads, guarded -----------------------------------------------------------

    async def list(self, context: CallContext, query: ListQuery) -> ListPage:
        context.asked.add(self.name)
        if context.observer is not None:
            context.observer.asked(query.resource, query.filters)
        key = self.cache.key(
            "list",
            query.resource,
            sorted(query.filters.items(), key=lambda kv: kv[0]),
            query.offset,
            query.limit,
            sorted(query.expand),
        )
        page = await self._cached(context, query.resource, key, lambda: self.inner.list(query))
        if context.observer is not None:
            context.observer.received([*page.records, *page.related])
        return page

    async def get_many(self, context: CallContext, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        context.asked.add(self.name)
        wanted = list(dict.fromkeys(keys))
        cache_keys = {key: self.cache.key("obj", resource, key) for key in wanted}
        lookup = await self.cache.lookup(resource, list(cache_keys.values()), context.bypass_cache)
        found: dict[str, KIObject] = {}
        missing = []
        for index, key in enumerate(wanted):
            entry = lookup.fresh(index)
            if entry is None:
                missing.append(key)
            elif entry is not _ABSENT:
                found[key] = entry
        if missing:
            batch_key = self.cache.key("get", resource, sorted(missing))
            try:
                fetched = await self._cached(
                    context, resource, batch_key, lambda: self.inner.get_many(resource, missing), store=False
                )
            except SourceError:
                stale = {key: lookup.stale(wanted.index(key)) for key in missing}
                if any(value is None for value in stale.values()):
                    raise
                log.warning("source %s failed: serving cached objects", self.name)
                self._served_stale(context, max(lookup.age(wanted.index(key)) for key in missing))
                found |= {k: v for k, v in stale.items() if v is not _ABSENT}
            else:
                answers = []
                for key in missing:
                    obj = fetched.get(key)
                    answers.append((cache_keys[key], obj if obj is not None else _ABSENT))
                    if obj is not None:
                        found[key] = obj
                await self.cache.store_answers(resource, answers, lookup)
        if context.observer is not None:
            context.observer.received(found.values())
        return found

    async def find_partijen(
        self, context: CallContext, identificatoren: Collection[tuple[str, str]]
    ) -> Sequence[Partij] | None:
        context.asked.add(self.name)
        if context.observer is not None:
            for soort, value in identificatoren:
                searched = {"partijIdentificator__codeSoortObjectId": soort, "partijIdentificator__objectId": value}
                context.observer.asked("partijen", searched)
        key = self.cache.key("find", sorted(identificatoren))
        found = await self._cached(context, "partijen", key, lambda: self.inner.find_partijen(identificatoren))
        if context.observer is not None and found is not None:
            context.observer.received(found)
        return found

    async def aclose(self) -> None:
        await self.inner.aclose()

    # --- the adapter's writes, guarded: deadline and breaker, no cache, no retry ---------------

    async def create(self, context: CallContext, resource: str, values: WriteValues) -> KIObject:
        context.asked.add(self.name)
        return await self._call(context, lambda: self.inner.create(resource, values), _WRITE_REFUSALS)

    async def update(self, context: CallContext, resource: str, key: str, values: WriteValues) -> KIObject:
        context.asked.add(self.name)
        return await self._call(context, lambda: self.inner.update(resource, key, values), _WRITE_REFUSALS)

    async def delete(self, context: CallContext, resource: str, key: str) -> None:
        context.asked.add(self.name)
        await self._call(context, lambda: self.inner.delete(resource, key), _WRITE_REFUSALS)

    async def invalidate(self, resource: str | None = None) -> None:
        """Forget cached answers of one resource, or all of this source, in every instance (for writes)."""
        await self.cache.invalidate(resource)

    # --- machinery -----------------------------------------------------------------------------

    async def _cached(
        self, context: CallContext, resource: str, key: bytes, call: Callable[[], Awaitable[Any]], store: bool = True
    ) -> Any:
        if (pending := self._in_flight.get(key)) is not None:
            return await self._shared(context, pending)
        lookup = await self.cache.lookup(resource, [key] if store else [], context.bypass_cache)
        if store and (hit := lookup.fresh()) is not None:
            return hit
        if (pending := self._in_flight.get(key)) is not None:  # started while the cache was read
            return await self._shared(context, pending)
        # resolves to (answer, None), or (cached answer, its age) when the source failed
        future: asyncio.Future[tuple[Any, float | None]] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await self._call(context, call)
        except SourceError as exc:
            stale = lookup.stale() if store else None
            if stale is not None and stale is not _ABSENT:
                log.warning("source %s failed (%s): serving a cached answer", self.name, exc.reason)
                self._served_stale(context, lookup.age())
                future.set_result((stale, lookup.age()))
                return stale
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            self._in_flight.pop(key, None)
        future.set_result((value, None))
        if store:
            await self.cache.store_answers(resource, [(key, value)], lookup)
        return value

    async def _shared(self, context: CallContext, pending: asyncio.Future[tuple[Any, float | None]]) -> Any:
        """The answer of an identical call in flight; a stale one is marked stale for this request too."""
        value, age = await asyncio.shield(pending)
        if age is not None:
            self._served_stale(context, age)
        return value

    def _served_stale(self, context: CallContext, age: float) -> None:
        context.stale[self.name] = max(age, context.stale.get(self.name, 0.0))

    async def _call(
        self, context: CallContext, call: Callable[[], Awaitable[Any]], refusals: tuple[type, ...] = _REFUSALS
    ) -> Any:
        with self.observer.call(self.name):
            return await self._call_guarded(context, call, refusals)

    async def _call_guarded(
        self, context: CallContext, call: Callable[[], Awaitable[Any]], refusals: tuple[type, ...]
    ) -> Any:
        if not self.breaker.admit():
            raise BreakerOpen(f"{self.name}: skipped while its circuit breaker is open")
        timeout = self.policy.timeout
        if (deadline := context.deadline) is not None:
            timeout = min(timeout, max(0.0, deadline - time.monotonic()))
        self.upstream_calls += 1
        try:
            async with asyncio.timeout(timeout):
                value = await call()
        except TimeoutError:
            self._failed("timeout")
            raise SourceTimeout(f"{self.name}: no answer within {timeout:.1f}s") from None
        except refusals:
            self.breaker.succeeded()  # the application answered: a refusal is not a failure
            raise
        except SourceError as exc:
            self._failed(exc.reason)
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed("error")
            log.error("source %s: unexpected error in its adapter: %s", self.name, describe_error(exc))
            raise SourceUnavailable(f"{self.name}: adapter error") from exc
        self.breaker.succeeded()
        self.last_error = None
        return value

    def _failed(self, reason: str) -> None:
        self.breaker.failed()
        self.last_error = reason
