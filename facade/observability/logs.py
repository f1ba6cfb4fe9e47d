"""Log output: the plain text format of old, or one JSON object per line (`FACADE_LOG_FORMAT=json`).

A JSON line holds a fixed set of fields: time, level, logger, message, the request id of the
request being answered (when there is one), the structured fields a log call passes in
`extra={"fields": {...}}` (the access log: method, route template, status, duration, client),
and for an error the exception's type and stack frames — never its message, which can echo an
input value. What goes into a message is the caller's responsibility, in both formats: no
query strings, no raw paths, no BSNs (tests/observability/test_logs.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import traceback
from typing import Literal

import orjson

from adapters.request_context import current_request_id

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id taken from the request being answered."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id := current_request_id.get():
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update((key, value) for key, value in fields.items() if key not in entry)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["error"] = {"type": kind.__name__, "stack": "".join(traceback.format_tb(tb))}
        return orjson.dumps(entry, default=str).decode()


def log_format_from_env() -> LogFormat:
    value = os.environ.get("FACADE_LOG_FORMAT", "text").strip().lower()
    if value not in ("text", "json"):
        raise ValueError(f"FACADE_LOG_FORMAT must be 'text' or 'json', not {value!r}")
    return value  # type: ignore[return-value]


def configure_logging(log_format: LogFormat | None = None, level: str | None = None) -> None:
    """Set up the root logger once for a server process: text or JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    if (log_format or log_format_from_env()) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("FACADE_LOG_LEVEL", "INFO"))
