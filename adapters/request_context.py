"""What an adapter's upstream calls carry of the API request being answered: its request id.

The façade sets `current_request_id` per API request; `adapters.http.UpstreamClient` sends it
as `X-Request-ID` on every upstream call, so one request can be followed through the logs of
every application behind the façade. The id is the façade's own (a UUID) or one a trusted
proxy sent, checked against `REQUEST_ID_PATTERN`: never free text from a client.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
"""What a proxy's `X-Request-ID` must look like to be adopted (UUIDs, ULIDs, hex trace ids)."""


def upstream_headers() -> dict[str, str]:
    """Headers every upstream call of the current request carries."""
    request_id = current_request_id.get()
    return {"X-Request-ID": request_id} if request_id else {}
