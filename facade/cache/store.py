"""The cache-store interface, and the in-process store (one bounded TTL cache per source).

Entries are grouped per resource so that a write can invalidate one collection of one source
(or the whole source) for every reader. Invalidation works by *generations*: a read returns
the generation it saw, a write stores that generation with its entries, and an entry of an
older generation is never returned again. So an answer fetched before an invalidation and
stored after it is dead on arrival, not resurrected.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cachetools import TTLCache


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()
"""Cached knowledge that an object does not exist at the source."""


@dataclass(frozen=True, slots=True)
class Entry:
    stored_at: float
    """On the store's clock (`CacheStore.now`)."""
    value: Any


@dataclass(frozen=True, slots=True)
class Read:
    entries: list[Entry | None]
    """One per key asked, None where nothing (or nothing of the current generation) is cached."""
    generation: Any
    """Opaque: hand it back to `write` for answers fetched after this read."""


class CacheStore(ABC):
    """One source's answers, keyed by keyed hashes, kept for `retention` seconds at most."""

    def __init__(self, retention: float):
        self.retention = retention

    @property
    def status(self) -> Literal["up", "degraded"]:
        return "up"

    @abstractmethod
    def now(self) -> float:
        """The clock entries are stamped with (shared stores need one clock for every instance)."""

    @abstractmethod
    async def read(self, resource: str, keys: Sequence[bytes]) -> Read: ...

    @abstractmethod
    async def write(self, resource: str, items: Sequence[tuple[bytes, Any]], generation: Any) -> None: ...

    @abstractmethod
    async def invalidate(self, resource: str | None = None) -> None:
        """Forget the answers of one resource, or (None) every answer of the source."""

    async def aclose(self) -> None:  # noqa: B027  # nothing to release by default
        pass


class MemoryStore(CacheStore):
    """Per process, bounded to `size` entries (least recently used go first), values kept as objects."""

    def __init__(self, size: int, retention: float):
        super().__init__(retention)
        self._entries: TTLCache[bytes, tuple[float, tuple[int, int], Any]] = TTLCache(
            maxsize=max(size, 1), ttl=retention or 1e-9
        )
        self._source_generation = 0
        self._generations: dict[str, int] = {}

    def now(self) -> float:
        return time.monotonic()

    def _generation(self, resource: str) -> tuple[int, int]:
        return self._source_generation, self._generations.get(resource, 0)

    async def read(self, resource: str, keys: Sequence[bytes]) -> Read:
        generation = self._generation(resource)
        entries: list[Entry | None] = []
        for key in keys:
            found = self._entries.get(key)
            entries.append(Entry(found[0], found[2]) if found is not None and found[1] == generation else None)
        return Read(entries, generation)

    async def write(self, resource: str, items: Sequence[tuple[bytes, Any]], generation: Any) -> None:
        if generation != self._generation(resource):
            return  # invalidated while the answer was being fetched
        stored_at = self.now()
        for key, value in items:
            self._entries[key] = (stored_at, generation, value)

    async def invalidate(self, resource: str | None = None) -> None:
        if resource is None:
            self._source_generation += 1
            self._entries.clear()
        else:
            self._generations[resource] = self._generations.get(resource, 0) + 1
