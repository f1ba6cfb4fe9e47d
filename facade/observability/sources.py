"""What a source's guard reports: each call (metrics and a span) and each cache lookup."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

from adapters.protocol import SourceError
from facade.observability.metrics import Metrics
from facade.observability.tracing import Tracing


class SourceObserver:
    """Shared by every guard of an app; without metrics or tracing it costs next to nothing."""

    def __init__(self, metrics: Metrics | None = None, tracing: Tracing | None = None):
        self.metrics = metrics
        self.tracing = tracing or Tracing()

    @contextmanager
    def call(self, source: str) -> Iterator[None]:
        """Around one call to a source: its duration and outcome (`ok` or the failure's reason class)."""
        started = time.perf_counter()
        outcome = "ok"
        with self.tracing.source_span(source) as span:
            try:
                yield
            except SourceError as exc:
                outcome = exc.reason
                raise
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except BaseException:
                outcome = "error"
                raise
            finally:
                if self.metrics is not None:
                    self.metrics.observe_source_call(source, outcome, time.perf_counter() - started)
                self.tracing.finish_source(span, outcome)

    def cache(self, source: str, result: str) -> None:
        """`hit`, `miss` or `stale` (a cached answer served because the source failed)."""
        if self.metrics is not None:
            self.metrics.observe_cache(source, result)

    def cache_backend_error(self, operation: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_cache_backend_error(operation)


NO_OBSERVER = SourceObserver()
