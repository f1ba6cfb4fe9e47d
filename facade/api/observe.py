"""Around every HTTP request: its request id, span, metrics and access-log line; and `/metrics`.

The request id is the façade's own UUID, or the `X-Request-ID` a trusted proxy (setting
`trusted_proxies`) sent, if it looks like an id (`REQUEST_ID_PATTERN`). It is answered in
`X-Request-ID`, written in every log line of the request and sent to every upstream call.
What is recorded of a request: method, route template, status, duration, client name and
request id — never the path or the query string, which can hold a BSN.
"""

from __future__ import annotations

import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from adapters.request_context import REQUEST_ID_PATTERN, current_request_id
from facade.api.handlers import route_of
from facade.api.problems import problem_response
from facade.config import MetricsConfig
from facade.errors import ProblemError
from facade.observability.metrics import Metrics, method_label
from facade.observability.tracing import Tracing

access_log = logging.getLogger("facade.access")


class RequestObserver:
    def __init__(self, metrics: Metrics, tracing: Tracing, from_trusted_proxy: Callable[[Request], bool]):
        self.metrics = metrics
        self.tracing = tracing
        self.from_trusted_proxy = from_trusted_proxy

    def request_id(self, request: Request) -> str:
        offered = request.headers.get("x-request-id")
        if offered and REQUEST_ID_PATTERN.match(offered) and self.from_trusted_proxy(request):
            return offered
        return str(uuid.uuid4())

    async def __call__(self, request: Request, answer: Callable[[], Awaitable[Response]]) -> Response:
        """Answer the request (`answer()` gives the response) with all that is observed around it."""
        started = time.perf_counter()
        request.state.request_id = request_id = self.request_id(request)
        token = current_request_id.set(request_id)
        parent = request.headers if self.tracing.enabled and self.from_trusted_proxy(request) else None
        try:
            with self.tracing.request_span(method_label(request.method), parent) as span:
                response = await answer()
                route = route_of(request)
                client = getattr(request.state, "client", None)
                self.tracing.finish_request(span, route, response.status_code, client)
            response.headers["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            self.metrics.observe_request(request.method, route, response.status_code, seconds)
            if incomplete := response.headers.get("facade-incomplete"):
                self.metrics.observe_incomplete(incomplete)
            access_log.info(
                "%s %s %s %.1fms client=%s request_id=%s",
                method_label(request.method),
                route,
                response.status_code,
                seconds * 1000,
                client or "-",
                request_id,
                extra={
                    "fields": {
                        "method": method_label(request.method),
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                        "client": client,
                    }
                },
            )
            return response
        finally:
            current_request_id.reset(token)


def add_metrics_route(app: FastAPI, config: MetricsConfig, metrics: Metrics) -> None:
    """`GET /metrics` in the Prometheus text format: open, behind a bearer token, or not there at all."""
    if config.access == "off":
        return
    expected = config.token.get_secret_value().encode() if config.token is not None else b""

    async def serve_metrics(request: Request) -> Response:
        if config.access == "token":
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
                problem = ProblemError(
                    401, "not_authenticated", "Authenticatiegegevens zijn niet geldig.", "Metrics vragen een token."
                )
                problem.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
                return problem_response(request, problem)
        body, content_type = metrics.exposition(request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    app.add_api_route("/metrics", serve_metrics, methods=["GET"], include_in_schema=False)
