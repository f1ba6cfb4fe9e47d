"""Every call to a source goes through its guard: deadline, circuit breaker, cache (docs/decisions/0010).

- **Deadline**: each call is cut off at the source's timeout, or earlier when the request's own
  deadline comes first.
- **Circuit breaker**: after `failure_threshold` failures in a row the source is skipped for
  `cooldown` seconds (calls fail at once), then one probe call decides.
- **Cache**: answers are kept per source in a bounded TTL cache; identical concurrent calls
  share one upstream call (coalescing); within `stale_if_error` after expiry a cached answer is
  served when the source fails. Cache keys are keyed hashes: a BSN in a filter never sits in
  memory as a key. A client's `Cache-Control: no-cache` skips reading the cache.

The guard is not an adapter: every call takes the request's `CallContext` (its deadline, whether
to skip the cache, where to note the sources asked) next to the adapter's own arguments, so what
one request knows travels typed with its calls, and adapters never see it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cachetools import TTLCache

from adapters.protocol import (
    Adapter,
    ListPage,
    ListQuery,
    ResourceSupport,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from mapping.ki import KIObject, Partij

log = logging.getLogger("facade.guard")

_ABSENT = object()


@dataclass
class CallContext:
    """What one API request tells every call it makes to a source (one per engine request)."""

    deadline: float | None = None
    """`time.monotonic()` by which the whole request must be answered; None: only each source's timeout."""
    bypass_cache: bool = False
    """The client sent `Cache-Control: no-cache`: answers are fetched, not read from the cache."""
    asked: set[str] = field(default_factory=set)
    """Names of the sources this request asked (for the processing log), cached answers included."""


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

    def __init__(self, name: str, inner: Adapter, policy: SourcePolicy, key_secret: bytes):
        self.name = name
        self.inner = inner
        self.resources: Mapping[str, ResourceSupport] = inner.resources
        """What the adapter declared, read once at start-up."""
        self.policy = policy
        self.breaker = Breaker(policy.failure_threshold, policy.cooldown)
        self._key = hashlib.blake2b(key_secret, digest_size=32, person=b"facade-cache-v1").digest()
        self._cache: TTLCache[bytes, tuple[float, Any]] = TTLCache(
            maxsize=max(policy.cache_size, 1), ttl=policy.cache_ttl + policy.stale_if_error or 1e-9
        )
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
        key = self._fingerprint(
            "list",
            query.resource,
            sorted(query.filters.items(), key=lambda kv: kv[0]),
            query.offset,
            query.limit,
            sorted(query.expand),
        )
        return await self._cached(context, key, lambda: self.inner.list(query))

    async def get_many(self, context: CallContext, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        context.asked.add(self.name)
        wanted = list(dict.fromkeys(keys))
        found: dict[str, KIObject] = {}
        missing = []
        for key in wanted:
            entry = None if context.bypass_cache else self._fresh(self._fingerprint("obj", resource, key))
            if entry is None:
                missing.append(key)
            elif entry is not _ABSENT:
                found[key] = entry
        if missing:
            batch_key = self._fingerprint("get", resource, sorted(missing))
            try:
                fetched = await self._cached(
                    context, batch_key, lambda: self.inner.get_many(resource, missing), store=False
                )
            except SourceError:
                stale = {key: self._stale(self._fingerprint("obj", resource, key)) for key in missing}
                if any(value is None for value in stale.values()):
                    raise
                log.warning("source %s failed: serving cached objects", self.name)
                return {**found, **{k: v for k, v in stale.items() if v is not _ABSENT}}
            for key in missing:
                obj = fetched.get(key)
                self._store(self._fingerprint("obj", resource, key), obj if obj is not None else _ABSENT)
                if obj is not None:
                    found[key] = obj
        return found

    async def find_partijen(
        self, context: CallContext, identificatoren: Collection[tuple[str, str]]
    ) -> Sequence[Partij] | None:
        context.asked.add(self.name)
        key = self._fingerprint("find", sorted(identificatoren))
        return await self._cached(context, key, lambda: self.inner.find_partijen(identificatoren))

    async def aclose(self) -> None:
        await self.inner.aclose()

    def invalidate(self) -> None:
        """Forget every cached answer of this source (for writes, once they exist)."""
        self._cache.clear()

    # --- machinery -----------------------------------------------------------------------------

    def _fingerprint(self, *parts: Any) -> bytes:
        return hashlib.blake2b(repr(parts).encode(), key=self._key, digest_size=20).digest()

    def _fresh(self, key: bytes) -> Any | None:
        entry = self._cache.get(key)
        if entry is None or time.monotonic() - entry[0] > self.policy.cache_ttl:
            return None
        return entry[1]

    def _stale(self, key: bytes) -> Any | None:
        entry = self._cache.get(key)
        return None if entry is None else entry[1]

    def _store(self, key: bytes, value: Any) -> None:
        if self.policy.cache_ttl > 0:
            self._cache[key] = (time.monotonic(), value)

    async def _cached(
        self, context: CallContext, key: bytes, call: Callable[[], Awaitable[Any]], store: bool = True
    ) -> Any:
        if not context.bypass_cache and (hit := self._fresh(key)) is not None:
            return hit
        if (pending := self._in_flight.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await self._call(context, call)
        except SourceError as exc:
            stale = self._stale(key)
            if stale is not None and stale is not _ABSENT:
                log.warning("source %s failed (%s): serving a cached answer", self.name, exc.reason)
                future.set_result(stale)
                return stale
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            self._in_flight.pop(key, None)
        if store:
            self._store(key, value)
        future.set_result(value)
        return value

    async def _call(self, context: CallContext, call: Callable[[], Awaitable[Any]]) -> Any:
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
        except SourceError as exc:
            self._failed(exc.reason)
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed("error")
            log.exception("source %s: unexpected error in its adapter", self.name)
            raise SourceUnavailable(f"{self.name}: adapter error") from exc
        self.breaker.succeeded()
        self.last_error = None
        return value

    def _failed(self, reason: str) -> None:
        self.breaker.failed()
        self.last_error = reason
