"""An engine over adapters built in code, without a configuration: the kit's, and the tests'."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.protocol import Adapter
from facade.engine.core import Engine
from facade.engine.guard import GuardedAdapter, SourcePolicy
from facade.engine.sources import Identities, Source
from facade.identity import IdentityCodec

UNCACHED = SourcePolicy(timeout=300, failure_threshold=1_000_000, cache_ttl=0, stale_if_error=0)
"""The guard with neither cache nor circuit breaker: every call reaches the adapter."""


def engine_over(adapters: Sequence[tuple[str, Adapter]], *, secret: bytes, merge_partijen: bool = True) -> Engine:
    """An engine whose sources are these (name, adapter) pairs, in priority order, uncached."""
    sources = [
        Source(name, priority, GuardedAdapter(name, adapter, UNCACHED, secret))
        for priority, (name, adapter) in enumerate(adapters)
    ]
    return Engine(sources, Identities(IdentityCodec(secret), sources, merge_partijen))
