"""What an upstream's API version tells us: its identificator dialect and which filters it knows.

Open Klant stored `partijIdentificator` codes as free text until its API 0.2-era releases; Open
Inwoner wrote the old codes (`inp`, `nnp`, `kvk`, `vtn`) there. The *legacy* dialect speaks those
codes in filters; answers are always read in either dialect (an old code is never a valid current
one, so mapping it back is safe whatever the setting). The code tables themselves are pure
mapping (`mapping/codes.py`). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from typing import Literal

Dialect = Literal["current", "legacy"]
DialectSetting = Literal["current", "legacy", "auto"]
"""`auto`: the dialect the upstream's API version implies (`dialect_of`)."""

LEGACY_BEFORE = (0, 2)
"""API versions below this (0.0.x, 0.1.x) are assumed to hold the old codes when `dialect: auto`."""
CONTRACT_VERSION = (0, 9, 0)
"""Older upstreams may not know every filter of the contract (and then ignore it)."""


def parse_version(header: str | None) -> tuple[int, ...] | None:
    """`0.1.2` -> (0, 1, 2); None for a missing or unreadable `API-version` header."""
    if not header or not re.fullmatch(r"\d+(\.\d+){0,2}", header.strip()):
        return None
    return tuple(int(part) for part in header.strip().split("."))


def dialect_of(version: tuple[int, ...] | None) -> Dialect:
    """The dialect `auto` picks: legacy for API versions before LEGACY_BEFORE; current otherwise."""
    return "legacy" if version is not None and version[:2] < LEGACY_BEFORE else "current"


def knows_every_filter(version: tuple[int, ...] | None) -> bool:
    """Can counts of a filtered list be trusted? Older versions silently ignore filters they lack."""
    return version is not None and version >= CONTRACT_VERSION
