"""Old `partijIdentificator` codes (Open Klant before API 0.2, as Open Inwoner wrote them) and current ones.

Open Klant stored the codes as free text in its early releases; Open Inwoner wrote `inp`/`nnp`
(codeObjecttype) and `kvk`/`vtn` (codeSoortObjectId) there. An old code is never a valid current
one, so reading an old code as the current one is safe for any record; writing the old codes
(in a filter to an upstream that holds them) is the caller's choice. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_OLD_OBJECTTYPE = {"inp": "natuurlijk_persoon", "nnp": "niet_natuurlijk_persoon"}
_OLD_SOORT = {"kvk": "kvk_nummer", "vtn": "vestigingsnummer"}
_NEW_OBJECTTYPE = {"natuurlijk_persoon": "inp", "niet_natuurlijk_persoon": "nnp", "vestiging": "nnp"}
_NEW_SOORT = {"kvk_nummer": "kvk", "vestigingsnummer": "vtn"}


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
