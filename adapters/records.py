"""Skipping one upstream record that does not map, without a BSN in the log.

One bad record harms only itself: the adapter leaves it out of its answer and logs which
resource and key it was, and where it breaks the contract. Never what it holds: pydantic's own
message quotes the input values (a BSN, a name), and so do many of Python's `ValueError`s. A
mapping that trips over a value it did not expect (a `TypeError` on a list where a text should
be) is a bug, but one record's: that record is skipped the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from adapters.diagnostics import describe
from adapters.settings import problems
from mapping.ki import Unmappable

log = logging.getLogger("adapters.records")

T = TypeVar("T")


def build_or_skip(adapter: str, resource: str, key: str | None, build: Callable[[], T]) -> T | None:
    """`build()` (one mapped object, or the objects derived from one record), or None when the
    record breaks the contract; the warning names the adapter, resource, key and field paths."""
    try:
        return build()
    except ValidationError as exc:
        fields = ", ".join(path for path, _ in problems(exc))
        log.warning("%s: skipped %s %s, it breaks the contract at: %s", adapter, resource, key, fields)
    except Unmappable as exc:  # the mapping's own message, which names no value
        log.warning("%s: skipped %s %s: %s", adapter, resource, key, exc)
    except Exception as exc:  # a mapping tripped on a value it did not expect: a bug, but this record's only
        log.warning("%s: skipped %s %s: it does not map (%s)", adapter, resource, key, describe(exc))
    return None
