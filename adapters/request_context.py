"""What an adapter's upstream calls carry of the API request being answered, and who watches them.

- The façade sets `current_request_id` per API request; `adapters.http.UpstreamClient` sends
  it as `X-Request-ID` on every upstream call (with the trace context when tracing is on), so
  one request can be followed through the logs of every application behind the façade. The
  id is the façade's own (a UUID) or one a trusted proxy sent, checked against
  `REQUEST_ID_PATTERN`: never free text from a client.
- `upstream_watcher`, when set, is told about every upstream HTTP exchange (`check --probe`
  uses it to report what each source answered, whatever the adapter kind).
- `upstream_span`, set while a request is traced, opens a span around each upstream HTTP
  exchange (the façade's tracing provides it: adapters need no OpenTelemetry of their own).
- `upstream_meter`, set by the façade's guard for each adapter call, is told before every
  upstream HTTP request (it may refuse it: the API request's budget is spent) and when an
  answer comes: how the façade bounds what one API request costs the applications behind it,
  whatever the adapter does (docs/decisions/0014-cost-follows-the-page.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class UpstreamMeter(Protocol):
    def before_request(self) -> None:
        """Called before a request (a retry too) is sent; raises a `SourceError` to refuse it."""

    def answered(self) -> None:
        """Called when the upstream answered (any status): the source is alive."""


upstream_meter: ContextVar[UpstreamMeter | None] = ContextVar("upstream_meter", default=None)


@dataclass(frozen=True)
class UpstreamExchange:
    source: str
    api: str
    """The API root called (scheme, host and base path: no query, no object path)."""
    status: int | None
    """None: no answer (connection failed or timed out)."""
    api_version: str | None
    seconds: float


upstream_watcher: ContextVar[Callable[[UpstreamExchange], None] | None] = ContextVar("upstream_watcher", default=None)

StatusRecorder = Callable[[int | None], None]
"""Records the status an upstream answered with (None: no answer)."""
upstream_span: ContextVar[Callable[[str, str], AbstractContextManager[StatusRecorder]] | None] = ContextVar(
    "upstream_span", default=None
)
"""`upstream_span.get()(source, api_root)`: a span around one upstream HTTP exchange."""

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
"""What a proxy's `X-Request-ID` must look like to be adopted (UUIDs, ULIDs, hex trace ids)."""


try:  # traces are optional (the `otel` extra); without an active span nothing is injected
    from opentelemetry.propagate import inject as _inject_trace_context
except ImportError:  # pragma: no cover
    _inject_trace_context = None


def upstream_headers() -> dict[str, str]:
    """Headers every upstream call of the current request carries: its request id and trace context."""
    headers: dict[str, str] = {}
    if request_id := current_request_id.get():
        headers["X-Request-ID"] = request_id
    if _inject_trace_context is not None:
        _inject_trace_context(headers)
    return headers
