"""What a log may say about an unexpected exception: never its message.

pydantic's message quotes the input (`input_value={... 'objectId': '999990019' ...}`), and so do
many of Python's own `ValueError`s and `KeyError`s: an exception's text is data from a source or
a client. A log line gets the exception's type, for a validation error the paths of the fields
that failed, and where it was raised (file, line, function: code, not data), for the whole chain.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from pydantic import ValidationError

from adapters.settings import problems

_MAX_CHAIN = 5


def _one(exc: BaseException) -> str:
    text = type(exc).__name__
    if isinstance(exc, ValidationError):
        text += f" at {', '.join(path or '(root)' for path, _ in problems(exc))}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (raised in {Path(last.filename).name}:{last.lineno} {last.name})"
    return text


def describe(exc: BaseException) -> str:
    """A log-safe description of an exception and its causes."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < _MAX_CHAIN:
        parts.append(_one(current))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "; caused by ".join(parts)
