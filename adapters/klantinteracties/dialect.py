"""Identificator codes across Open Klant versions, and what an upstream's API version tells us.

Open Klant stored `partijIdentificator` codes as free text until its API 0.2-era releases; Open
Inwoner wrote the old codes (`inp`, `nnp`, `kvk`, `vtn`) there. The *legacy* dialect speaks those
codes in filters; answers are always read in either dialect (an old code is never a valid current
one, so mapping it back is safe whatever the setting). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

Dialect = Literal["current", "legacy"]
DIALECT_SETTINGS = ("current", "legacy", "auto")

LEGACY_BEFORE = (0, 2)
"""API versions below this (0.0.x, 0.1.x) are assumed to hold the old codes when `dialect: auto`."""
CONTRACT_VERSION = (0, 9, 0)
"""Older upstreams may not know every filter of the contract (and then ignore it)."""

_OLD_OBJECTTYPE = {"inp": "natuurlijk_persoon", "nnp": "niet_natuurlijk_persoon"}
_OLD_SOORT = {"kvk": "kvk_nummer", "vtn": "vestigingsnummer"}
_NEW_OBJECTTYPE = {"natuurlijk_persoon": "inp", "niet_natuurlijk_persoon": "nnp", "vestiging": "nnp"}
_NEW_SOORT = {"kvk_nummer": "kvk", "vestigingsnummer": "vtn"}


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


def to_current(group: Mapping[str, Any]) -> dict[str, Any]:
    """A `partijIdentificator` group with old codes mapped to current ones (`nnp`+`vtn` = vestiging)."""
    soort = group.get("codeSoortObjectId")
    objecttype = group.get("codeObjecttype")
    current = dict(group)
    if soort in _OLD_SOORT:
        current["codeSoortObjectId"] = _OLD_SOORT[soort]
    if objecttype in _OLD_OBJECTTYPE:
        current["codeObjecttype"] = "vestiging" if soort == "vtn" else _OLD_OBJECTTYPE[objecttype]
    return current


def objecttype_to_legacy(value: str) -> str:
    return _NEW_OBJECTTYPE.get(value, value)


def soort_to_legacy(value: str) -> str:
    return _NEW_SOORT.get(value, value)
