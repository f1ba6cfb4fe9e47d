"""Every call to a source goes through its guard: timeout, circuit breaker, cache (docs/decisions/0010).

- **Timeout**: each call is cut off at the source's `timeout`. The request's own deadline is not
  the source's business: when it ends a request, its calls are cancelled and nobody is charged.
- **Circuit breaker**: after `failure_threshold` failures in a row the source is skipped for
  `cooldown` seconds (calls fail at once), then one probe call decides. Only the source's own
  failures count: an error it answered, no connection, or a call it let run out its timeout
  without answering anything; not a call the façade cancelled, refused for the request's budget,
  or that took long because the façade asked much in it while the source kept answering.
- **Cache**: answers are kept per source in a cache store (`facade/cache/`: in the process, or
  in Redis shared by every instance); identical concurrent calls share one upstream call
  (coalescing, per instance), which is cancelled when no request waits for it any more; within
  `stale_if_error` after expiry a cached answer is served when the source fails. Cache keys are
  keyed hashes: a BSN in a filter never sits in memory as a key. A client's
  `Cache-Control: no-cache` skips reading the cache.
- **Per request** (`CallContext`, docs/decisions/0014-cost-follows-the-page.md): an identical
  call is made once per request, whatever the cache; a source that failed is not asked again in
  the same request (it costs at most its timeout); every upstream request is paid from the
  request's budget.
- Every call and cache lookup is reported to the app's `SourceObserver` (metrics, traces).
- **Writes** pass the breaker, never the cache, and are never retried; a write request is not
  cancelled at its deadline but each of its calls is cut off there (`CallContext.deadline`,
  a `SourceTimeout` the write reports), and a write or its undoing is tried also after the
  source failed earlier in the request. A write the application refuses (`InvalidWrite`,
  `ObjectGone`, any other 4xx: `SourceRejected`) is an answer, not a failure of the source.
  After a write the engine forgets what the cache holds for the affected resources
  (`invalidate`).

The guard is not an adapter: every call takes the request's `CallContext` (whether to skip the
cache, where to note the sources asked, its budget and what it already asked) next to the
adapter's own arguments, so what one request knows travels typed with its calls, and adapters
never see it.
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
from adapters.request_context import upstream_meter
from facade.cache import ABSENT as _ABSENT
from facade.cache import CacheStore, MemoryStore
from facade.cache.answers import AnswerCache, Lookup
from facade.engine.budget import Budget, BudgetExhausted, CallMeter
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

    bypass_cache: bool = False
    """The client sent `Cache-Control: no-cache`: answers are fetched, not read from the cache."""
    asked: set[str] = field(default_factory=set)
    """Names of the sources this request asked (for the processing log), cached answers included."""
    observer: CallObserver | None = None
    """Sees every query and answer of this request's calls, cached ones included; None: nobody looks."""
    stale: dict[str, float] = field(default_factory=dict)
    """Sources answered from the cache past its freshness because they failed, with the age in seconds
    of the oldest answer served: the response says so (`Warning: 110`, `Age`)."""
    budget: Budget = field(default_factory=Budget)
    """What this request may still cost the sources."""
    deadline: float | None = None
    """A write request's deadline (`time.monotonic()`): each of its calls is cut off there with a
    `SourceTimeout`, which the write reports, rather than cancelled halfway. A read request has
    none: its deadline ends the whole request (the API layer cancels it)."""
    failed: dict[str, SourceError] = field(default_factory=dict)
    """Sources that failed during this request, with their error: not asked again."""
    answers: dict[tuple[str, bytes], asyncio.Future[Any]] = field(default_factory=dict)
    """This request's calls by (source, fingerprint): an identical call is made once per request."""

    def forget(self, source: str) -> None:
        """A write changed this source: what this request read from it before is no longer its answer."""
        for mine in [mine for mine in self.answers if mine[0] == source]:
            del self.answers[mine]


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
        self._in_flight: dict[bytes, _Shared] = {}
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
        try:
            return await self._call(context, lambda: self.inner.create(resource, values), write=True)
        finally:
            context.forget(self.name)

    async def update(self, context: CallContext, resource: str, key: str, values: WriteValues) -> KIObject:
        context.asked.add(self.name)
        try:
            return await self._call(context, lambda: self.inner.update(resource, key, values), write=True)
        finally:
            context.forget(self.name)

    async def delete(self, context: CallContext, resource: str, key: str) -> None:
        context.asked.add(self.name)
        try:
            await self._call(context, lambda: self.inner.delete(resource, key), write=True)
        finally:
            context.forget(self.name)

    async def invalidate(self, resource: str | None = None) -> None:
        """Forget cached answers of one resource, or all of this source, in every instance (for writes)."""
        await self.cache.invalidate(resource)

    # --- machinery -----------------------------------------------------------------------------

    async def _cached(
        self, context: CallContext, resource: str, key: bytes, call: Callable[[], Awaitable[Any]], store: bool = True
    ) -> Any:
        """Once per request: a second identical call of the same request gets the first one's answer."""
        mine = (self.name, key)
        if (earlier := context.answers.get(mine)) is not None:
            return await asyncio.shield(earlier)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        context.answers[mine] = future
        try:
            value, age = await self._shared(context, resource, key, call, store)
        except asyncio.CancelledError:
            context.answers.pop(mine, None)
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        if age is not None:
            self._served_stale(context, age)
        future.set_result(value)
        return value

    async def _shared(
        self, context: CallContext, resource: str, key: bytes, call: Callable[[], Awaitable[Any]], store: bool
    ) -> tuple[Any, float | None]:
        """From the cache, or one upstream call shared by every request that wants it now; with the
        age of a cached answer served because the source failed (None: not such an answer)."""
        shared = self._in_flight.get(key)
        if shared is None:
            lookup = await self.cache.lookup(resource, [key] if store else [], context.bypass_cache)
            if store and (hit := lookup.fresh()) is not None:
                return hit, None
            shared = self._in_flight.get(key)  # one may have started while the cache was read
            if shared is None:
                task = asyncio.ensure_future(self._fetch(context, resource, key, call, lookup if store else None))
                shared = self._in_flight[key] = _Shared(task)
                task.add_done_callback(lambda done, key=key: self._landed(key, done))
        shared.waiters += 1
        try:
            return await asyncio.shield(shared.task)
        finally:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.task.done():
                # every request that wanted it has ended: so does the call
                self._in_flight.pop(key, None)
                shared.task.cancel()

    def _landed(self, key: bytes, task: asyncio.Task[Any]) -> None:
        if (shared := self._in_flight.get(key)) is not None and shared.task is task:
            del self._in_flight[key]
        if not task.cancelled():
            task.exception()  # retrieved: its waiters got it (or there were none left)

    async def _fetch(
        self,
        context: CallContext,
        resource: str,
        key: bytes,
        call: Callable[[], Awaitable[Any]],
        lookup: Lookup | None,
    ) -> tuple[Any, float | None]:
        try:
            value = await self._call(context, call)
        except SourceError as exc:
            stale = lookup.stale() if lookup is not None else None
            if stale is not None and stale is not _ABSENT and not isinstance(exc, BudgetExhausted):
                log.warning("source %s failed (%s): serving a cached answer", self.name, exc.reason)
                return stale, lookup.age()
            raise
        if lookup is not None:
            await self.cache.store_answers(resource, [(key, value)], lookup)
        return value, None

    def _served_stale(self, context: CallContext, age: float) -> None:
        context.stale[self.name] = max(age, context.stale.get(self.name, 0.0))

    async def _call(self, context: CallContext, call: Callable[[], Awaitable[Any]], write: bool = False) -> Any:
        with self.observer.call(self.name):
            return await self._call_guarded(context, call, write)

    async def _call_guarded(self, context: CallContext, call: Callable[[], Awaitable[Any]], write: bool) -> Any:
        if not write and (failure := context.failed.get(self.name)) is not None:
            # failed earlier in this request: a read costs at most one timeout per request (a
            # write, or the undoing of one, is always tried: it must be done, undone or reported)
            raise type(failure)(*failure.args)
        refusals = _WRITE_REFUSALS if write else _REFUSALS
        if not self.breaker.admit():
            raise BreakerOpen(f"{self.name}: skipped while its circuit breaker is open")
        meter = CallMeter(context.budget, refusable=not write)
        meter.before_call()
        timeout = own_timeout = self.policy.timeout
        if (deadline := context.deadline) is not None:
            timeout = min(timeout, max(0.0, deadline - time.monotonic()))
        self.upstream_calls += 1
        metering = upstream_meter.set(meter)
        try:
            async with asyncio.timeout(timeout):
                value = await call()
        except TimeoutError:
            failure = SourceTimeout(f"{self.name}: no answer within {timeout:.1f}s")
            # charged only when the source ran out its own timeout without answering anything: a
            # call cut at the request's deadline, or long because the façade asked much of it
            # (several pages or objects) while the source kept answering, is no failure of it
            self._fail(context, failure, charge=timeout >= own_timeout and meter.answers == 0)
            raise failure from None
        except BudgetExhausted:
            raise  # the façade's plan asked too much: no source is charged
        except refusals:
            self.breaker.succeeded()  # the application answered: a refusal is not a failure
            raise
        except SourceError as exc:
            self._fail(context, exc)
            raise
        except asyncio.CancelledError:
            raise  # the request ended (its deadline, or another part of it failed): nobody is charged
        except Exception as exc:
            log.error("source %s: unexpected error in its adapter: %s", self.name, describe_error(exc))
            failure = SourceUnavailable(f"{self.name}: adapter error")
            self._fail(context, failure, reason="error")
            raise failure from exc
        finally:
            upstream_meter.reset(metering)
        self.breaker.succeeded()
        self.last_error = None
        return value

    def _fail(self, context: CallContext, failure: SourceError, charge: bool = True, reason: str | None = None) -> None:
        context.failed[self.name] = failure
        self.last_error = reason or failure.reason
        if charge:
            self.breaker.failed()


class _Shared:
    """One upstream call in flight and how many requests wait for it."""

    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Task[Any]):
        self.task = task
        self.waiters = 0
