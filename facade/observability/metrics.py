"""Prometheus metrics of one façade process, served at `/metrics` (docs/deployment.md).

Each app has its own registry (tests build many apps in one process). Events (requests,
source calls, cache lookups) are counted as they happen; states (breaker, cache backend,
processing-log lines) are read from their owners when Prometheus scrapes.

Label values come only from closed sets or the configuration: the route *template*, the
method (unknown methods become `other`), the status code, the configured source name, a
reason class. Nothing a client typed ends up in a label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BREAKER_STATES = ("closed", "open", "half-open")


def method_label(method: str) -> str:
    """The request method as a label: one of the HTTP methods, never free text a client sent."""
    return method if method in _METHODS else "other"


class Metrics:
    """The metrics of one app. `observe_*` methods are called on events; `watch_*` register state."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            "facade_http_request_duration_seconds",
            "API requests by method, route template and status, with their duration.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.source_calls = Histogram(
            "facade_source_call_duration_seconds",
            "Calls to a source (through its guard) by outcome: ok, or the reason class of the failure.",
            ["source", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "facade_cache_lookups_total",
            "Answer-cache lookups per source: hit (fresh), miss, or stale (served because the source failed).",
            ["source", "result"],
            registry=self.registry,
        )
        self.partial_answers = Counter(
            "facade_partial_answers_total",
            "Answers given without a source (Facade-Incomplete), per missing source and reason class.",
            ["source", "reason"],
            registry=self.registry,
        )
        self.cache_backend_errors = Counter(
            "facade_cache_backend_errors_total",
            "Operations on the shared cache backend that failed (the request went on without the cache).",
            ["operation"],
            registry=self.registry,
        )
        self._states = _StateCollector()
        self.registry.register(self._states)

    # --- events ----------------------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method_label(method), route, str(status)).observe(seconds)

    def observe_source_call(self, source: str, outcome: str, seconds: float) -> None:
        self.source_calls.labels(source, outcome).observe(seconds)

    def observe_cache(self, source: str, result: str) -> None:
        self.cache_lookups.labels(source, result).inc()

    def observe_incomplete(self, header: str) -> None:
        """Count a partial answer from its `Facade-Incomplete` header (`name;reason=x, ...`)."""
        for part in header.split(","):
            name, _, reason = part.strip().partition(";reason=")
            if name:
                self.partial_answers.labels(name, reason or "unknown").inc()

    def observe_cache_backend_error(self, operation: str) -> None:
        self.cache_backend_errors.labels(operation).inc()

    # --- states, read at scrape time ---------------------------------------------------------------

    def watch_breakers(self, states: Callable[[], Mapping[str, str]]) -> None:
        """`states()` gives each source's breaker state (closed, open, half-open)."""
        self._states.breakers = states

    def watch_cache_backend(self, up: Callable[[], bool]) -> None:
        self._states.cache_backend_up = up

    def watch_processing_log(self, records: Callable[[], int]) -> None:
        self._states.processing_log_records = records

    # --- exposition --------------------------------------------------------------------------------

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics in the text format the scraper asked for (its `Accept` header)."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


class _StateCollector(Collector):
    def __init__(self) -> None:
        self.breakers: Callable[[], Mapping[str, str]] | None = None
        self.cache_backend_up: Callable[[], bool] | None = None
        self.processing_log_records: Callable[[], int] | None = None

    def describe(self) -> Iterable[Metric]:
        return []  # values are only known when scraped

    def collect(self) -> Iterator[Metric]:
        if self.breakers is not None:
            family = GaugeMetricFamily(
                "facade_source_breaker_state",
                "1 for the state each source's circuit breaker is in (closed, open, half-open).",
                labels=["source", "state"],
            )
            for source, current in self.breakers().items():
                for state in BREAKER_STATES:
                    family.add_metric([source, state], 1.0 if state == current else 0.0)
            yield family
        if self.cache_backend_up is not None:
            yield GaugeMetricFamily(
                "facade_cache_backend_up",
                "1 while the shared cache backend answers, 0 while the façade goes on without it.",
                value=1.0 if self.cache_backend_up() else 0.0,
            )
        if self.processing_log_records is not None:
            yield CounterMetricFamily(
                "facade_processing_log_records",
                "Processing-log lines written (requests that searched by or returned a BSN).",
                value=float(self.processing_log_records()),
            )
