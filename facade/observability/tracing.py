"""OpenTelemetry traces, off unless configured: a span per API request, per source call, and per
upstream HTTP exchange.

Without a `tracing` setting nothing of OpenTelemetry is imported or called. With it, spans go
to an OTLP/HTTP collector (or the console) through a batch processor. While a request is
traced, `adapters.request_context.upstream_span` opens the span of each upstream HTTP exchange
(under the source call's span), and the HTTP tooling sends that span's `traceparent` upstream.

Span attributes are the method, the route template, the status code, the configured client
and source names and an outcome class — never a path, a query, a BSN or a UUID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adapters.request_context import upstream_span

if TYPE_CHECKING:  # pragma: no cover
    from opentelemetry.sdk.trace import TracerProvider

    from facade.config import TracingConfig


class Tracing:
    """Creates spans through `provider`, or does nothing when there is none."""

    def __init__(self, provider: TracerProvider | None = None):
        self.provider = provider
        self._tracer = provider.get_tracer("klantinteracties-facade") if provider is not None else None

    @property
    def enabled(self) -> bool:
        return self._tracer is not None

    @classmethod
    def from_config(cls, config: TracingConfig | None) -> Tracing:
        if config is None:
            return cls()
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
        from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio

        provider = TracerProvider(
            resource=Resource.create({"service.name": config.service_name}),
            sampler=ParentBasedTraceIdRatio(config.sample_ratio),
        )
        if config.exporter == "console":
            exporter: Any = ConsoleSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=config.endpoint) if config.endpoint else OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
        return cls(provider)

    @contextmanager
    def request_span(self, method: str, parent_headers: Mapping[str, str] | None) -> Iterator[Any]:
        """The span of one API request; `parent_headers` (a trusted proxy's) may carry `traceparent`."""
        if self._tracer is None:
            yield None
            return
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind

        context = extract(parent_headers) if parent_headers else None
        token = upstream_span.set(self._upstream_span)
        try:
            with self._tracer.start_as_current_span(method, context=context, kind=SpanKind.SERVER) as span:
                span.set_attribute("http.request.method", method)
                yield span
        finally:
            upstream_span.reset(token)

    @staticmethod
    def finish_request(span: Any, route: str, status: int, client: str | None) -> None:
        if span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        span.update_name(f"{span.attributes.get('http.request.method', '')} {route}".strip())
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if client:
            span.set_attribute("facade.client", client)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))

    @contextmanager
    def source_span(self, source: str) -> Iterator[Any]:
        """The span of one call to a source (its guard); the caller records the outcome."""
        if self._tracer is None:
            yield None
            return
        from opentelemetry.trace import SpanKind

        with self._tracer.start_as_current_span(
            f"source {source}", kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("facade.source", source)
            yield span

    @contextmanager
    def _upstream_span(self, source: str, api: str) -> Iterator[Callable[[int | None], None]]:
        """One upstream HTTP exchange: the configured API root called, and the status it answered."""
        from opentelemetry.trace import SpanKind

        assert self._tracer is not None
        answered: list[int | None] = [None]
        with self._tracer.start_as_current_span(
            f"GET {api}", kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("facade.source", source)
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("facade.upstream_api", api)
            try:
                yield lambda status: answered.__setitem__(0, status)
            finally:
                status = answered[0]
                if status is None:
                    self.finish_source(span, "no-answer")
                else:
                    span.set_attribute("http.response.status_code", status)
                    self.finish_source(span, "ok" if status < 400 else f"status-{status // 100}xx")

    @staticmethod
    def finish_source(span: Any, outcome: str) -> None:
        if span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute("facade.outcome", outcome)
        if outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, outcome))

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()
