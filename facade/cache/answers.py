"""One source's answer cache as the guard uses it: keys, freshness and stale-if-error (ADR 10).

- Keys are keyed BLAKE2 hashes of what was asked, under a key derived from the identity
  secret: the same on every instance (so a shared store is shared), and a BSN in a filter is
  never a key. Sets in a query are hashed in sorted order, so every process computes the same
  key whatever its hash seed.
- An answer is fresh for `ttl` seconds; within `stale_if_error` after that it is still served
  when the source fails. `ttl` 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from facade.cache.store import CacheStore, Entry
from facade.observability.sources import NO_OBSERVER, SourceObserver


def _canonical(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return ("set", *sorted(repr(_canonical(item)) for item in value))
    if isinstance(value, list | tuple):
        return tuple(_canonical(item) for item in value)
    return value


class Lookup:
    """What one read found, judged against the freshness rules; counts hits, misses and stale serves."""

    __slots__ = ("_cache", "_entries", "_now", "bypass", "generation")

    def __init__(self, cache: AnswerCache, entries: list[Entry | None], generation: Any, now: float, bypass: bool):
        self._cache = cache
        self._entries = entries
        self._now = now
        self.generation = generation
        self.bypass = bypass

    def fresh(self, index: int = 0) -> Any | None:
        entry = self._entries[index]
        if self.bypass or entry is None or self._now - entry.stored_at > self._cache.ttl:
            self._cache.observer.cache(self._cache.source, "miss")
            return None
        self._cache.observer.cache(self._cache.source, "hit")
        return entry.value

    def age(self, index: int = 0) -> float:
        """Seconds since the answer at `index` was stored (0 when there is none)."""
        entry = self._entries[index]
        return 0.0 if entry is None else max(0.0, self._now - entry.stored_at)

    def stale(self, index: int = 0) -> Any | None:
        """A cached answer to serve because the source failed (None: there is none)."""
        entry = self._entries[index]
        if entry is None or self._now - entry.stored_at > self._cache.ttl + self._cache.stale_if_error:
            return None
        self._cache.observer.cache(self._cache.source, "stale")
        return entry.value


class AnswerCache:
    def __init__(
        self,
        source: str,
        store: CacheStore,
        ttl: float,
        stale_if_error: float,
        key_secret: bytes,
        observer: SourceObserver = NO_OBSERVER,
    ):
        self.source = source
        self.store = store
        self.ttl = ttl
        self.stale_if_error = stale_if_error
        self.observer = observer
        self._key = hashlib.blake2b(key_secret, digest_size=32, person=b"facade-cache-v1").digest()

    def key(self, *parts: Any) -> bytes:
        return hashlib.blake2b(repr(_canonical(parts)).encode(), key=self._key, digest_size=20).digest()

    async def lookup(self, resource: str, keys: Sequence[bytes], bypass: bool = False) -> Lookup:
        """Read these keys of `resource` (`bypass`: a client's no-cache; stale answers still count)."""
        if self.ttl <= 0 or not keys:
            return Lookup(self, [None] * len(keys), None, 0.0, bypass)
        read = await self.store.read(resource, keys)
        return Lookup(self, read.entries, read.generation, self.store.now(), bypass)

    async def store_answers(self, resource: str, items: Sequence[tuple[bytes, Any]], lookup: Lookup) -> None:
        """Keep answers fetched after `lookup` (dropped if the resource was invalidated since)."""
        if self.ttl > 0 and items and lookup.generation is not None:
            await self.store.write(resource, items, lookup.generation)

    async def invalidate(self, resource: str | None = None) -> None:
        await self.store.invalidate(resource)
