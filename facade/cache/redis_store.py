"""A cache shared by every instance of the façade, in Redis (`cache: {backend: redis}`).

Layout, per source (`<prefix>` defaults to `facade:v1`; source names are configured names):

- `<prefix>:<source>:e:<hex>`: one answer; `<hex>` is the keyed hash the guard computed
  (no BSN, no filter value in any key). The value is the answer's stamp (stored at, the two
  generations below) followed by `codec.encode(answer)` sealed with AES-GCM (`sealed.py`: no
  BSN in plain text in Redis, and nothing served that the façade did not write); Redis
  expires it after the source's `cache_ttl + stale_if_error`.
- `<prefix>:<source>:g` and `<prefix>:<source>:g:<resource>`: generation counters. A write
  through any instance increments one (`invalidate`); entries stamped with an older
  generation are ignored by every instance from then on.

A read is one `MGET` (both generations and the entries), a write one pipeline of `SET ... PX`.
Redis being slow or down never fails a request: each operation is bounded by `timeout`, a
failure marks the backend degraded (shown in `/readyz`, counted in metrics) and the façade goes
on without the shared cache, trying Redis again every `retry_interval` seconds.
Invalidations that could not be written are kept and written first when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from facade.cache import codec
from facade.cache.sealed import Sealer
from facade.cache.store import CacheStore, Entry, Read

log = logging.getLogger("facade.cache")

_STAMP = struct.Struct(">dqq")
"""stored at (Unix time), source generation, resource generation."""

T = TypeVar("T")


class RedisBackend:
    """One connection pool for every source of the process, and the health of Redis."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        prefix: str = "facade:v1",
        timeout: float = 0.5,
        retry_interval: float = 2.0,
        max_connections: int = 32,
        on_error: Callable[[str], None] | None = None,
    ):
        self.prefix = prefix
        self.sealer = Sealer(secret)
        self.timeout = timeout
        self.retry_interval = retry_interval
        self._on_error = on_error
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        # no retries inside the client: one bounded attempt, then the façade goes on without Redis
        self.redis = Redis(connection_pool=pool, retry=Retry(NoBackoff(), 0))
        self._degraded_until = 0.0
        self.degraded = False
        self._pending: set[tuple[str, str | None]] = set()
        """Invalidations not yet written (Redis was down): written first when it is back."""

    @property
    def status(self) -> Literal["up", "degraded"]:
        return "degraded" if self.degraded else "up"

    def store(self, source: str, retention: float) -> RedisStore:
        return RedisStore(self, source, retention)

    def key(self, source: str, *parts: str) -> str:
        return ":".join((self.prefix, source, *parts))

    async def run(self, operation: str, action: Callable[[Redis], Awaitable[T]]) -> T | None:
        """Do one operation; None when Redis is down or fails (it is then left alone for a while)."""
        now = time.monotonic()
        if now < self._degraded_until:
            return None
        if self.degraded:
            self._degraded_until = now + self.retry_interval  # one probe at a time
        try:
            async with asyncio.timeout(self.timeout * 2):
                if self._pending:
                    await self._write_pending()
                result = await action(self.redis)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(operation, exc)
            return None
        if self.degraded:
            log.warning("shared cache: Redis answers again")
            self.degraded = False
        return result

    def _failed(self, operation: str, exc: BaseException) -> None:
        if not self.degraded:
            log.warning("shared cache: Redis failed (%s during %s); going on without it", type(exc).__name__, operation)
        self.degraded = True
        self._degraded_until = time.monotonic() + self.retry_interval
        self.report_error(operation)

    def report_error(self, operation: str) -> None:
        if self._on_error is not None:
            self._on_error(operation)

    async def invalidate(self, source: str, resource: str | None) -> None:
        self._pending.add((source, resource))
        await self.run("invalidate", _nothing_more)  # `run` writes what is pending first

    async def _write_pending(self) -> None:
        pending = sorted(self._pending, key=lambda item: (item[0], item[1] or ""))
        async with self.redis.pipeline(transaction=False) as pipe:
            for source, resource in pending:
                pipe.incr(self.key(source, "g") if resource is None else self.key(source, "g", resource))
            await pipe.execute()
        self._pending.difference_update(pending)

    async def aclose(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()


async def _nothing_more(redis: Redis) -> None:
    return None


class RedisStore(CacheStore):
    """One source's slice of the shared cache."""

    def __init__(self, backend: RedisBackend, source: str, retention: float):
        super().__init__(retention)
        self.backend = backend
        self.source = source
        self._source_generation = backend.key(source, "g")

    @property
    def status(self) -> Literal["up", "degraded"]:
        return self.backend.status

    def now(self) -> float:
        return time.time()  # one clock for every instance (hosts keep time by NTP)

    def _entry_key(self, key: bytes) -> str:
        return self.backend.key(self.source, "e", key.hex())

    async def read(self, resource: str, keys: Sequence[bytes]) -> Read:
        names = [self._source_generation, self.backend.key(self.source, "g", resource)]
        names += [self._entry_key(key) for key in keys]
        values = await self.backend.run("read", lambda redis: redis.mget(names))
        if values is None:
            return Read([None] * len(keys), None)
        generation = (int(values[0] or 0), int(values[1] or 0))
        return Read(
            [self._entry(name, blob, generation) for name, blob in zip(names[2:], values[2:], strict=True)], generation
        )

    def _entry(self, name: str, blob: bytes | None, generation: tuple[int, int]) -> Entry | None:
        if blob is None or len(blob) < _STAMP.size:
            return None
        stamp = blob[: _STAMP.size]
        stored_at, source_generation, resource_generation = _STAMP.unpack(stamp)
        if (source_generation, resource_generation) != generation:
            return None  # invalidated by a write
        plain = self.backend.sealer.open(blob[_STAMP.size :], name.encode() + stamp)
        try:
            if plain is None:
                raise codec.CorruptEntry("not sealed by this façade")
            return Entry(stored_at, codec.decode(plain))
        except codec.CorruptEntry as exc:
            log.warning("shared cache: ignoring an unreadable entry of source %s (%s)", self.source, exc)
            self.backend.report_error("decode")
            return None

    async def write(self, resource: str, items: Sequence[tuple[bytes, Any]], generation: Any) -> None:
        if generation is None or self.retention <= 0:
            return  # Redis was down when read: nothing is written under an unknown generation
        stamp = _STAMP.pack(self.now(), *generation)
        encoded = []
        for key, value in items:
            name = self._entry_key(key)
            try:
                plain = codec.encode(value)
            except codec.Uncacheable:
                continue
            encoded.append((name, stamp + self.backend.sealer.seal(plain, name.encode() + stamp)))
        if not encoded:
            return
        milliseconds = max(1, int(self.retention * 1000))

        async def set_all(redis: Redis) -> None:
            async with redis.pipeline(transaction=False) as pipe:
                for name, value in encoded:
                    pipe.set(name, value, px=milliseconds)
                await pipe.execute()

        await self.backend.run("write", set_all)

    async def invalidate(self, resource: str | None = None) -> None:
        await self.backend.invalidate(self.source, resource)
