"""Old `partijIdentificator` codes (Open Klant before API 0.2, as Open Inwoner wrote them) and current ones.

Open Klant stored the codes as free text in its early releases; Open Inwoner wrote `inp`/`nnp`
(codeObjecttype) and `kvk`/`vtn` (codeSoortObjectId) there. An old code is never a valid current
one, so reading an old code as the current one is safe for any record; writing the old codes
(in a filter to an upstream that holds them) is the caller's choice. Pure functions, no I/O.
"""

from __future__ import annotations

import re
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
    # a value that is no text is no code (whoever checks the group refuses it): it is not looked up
    soort = soort if isinstance(soort, str) else None
    objecttype = objecttype if isinstance(objecttype, str) else None
    if soort in _OLD_SOORT:
        current["codeSoortObjectId"] = _OLD_SOORT[soort]
    if objecttype in _OLD_OBJECTTYPE:
        current["codeObjecttype"] = "vestiging" if soort == "vtn" else _OLD_OBJECTTYPE[objecttype]
    return current


def objecttype_to_legacy(value: str) -> str:
    return _NEW_OBJECTTYPE.get(value, value)


def soort_to_legacy(value: str) -> str:
    return _NEW_SOORT.get(value, value)


# codeRegister -> codeObjecttype -> the codeSoortObjectId values it takes (as Open Klant enforces them)
IDENTIFICATOR_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "brp": {"natuurlijk_persoon": ("bsn",)},
    "hr": {"niet_natuurlijk_persoon": ("rsin", "kvk_nummer"), "vestiging": ("vestigingsnummer",)},
}
_NUMBER_SHAPES = {"bsn": r"[0-9]{9}", "rsin": r"[0-9]{9}", "kvk_nummer": r"[0-9]{8}", "vestigingsnummer": r"[0-9]{12}"}


def eleven_test(number: str) -> bool:
    """The elfproef of a BSN or RSIN: 9 digits, weights 9..2 and -1, sum divisible by 11."""
    if not re.fullmatch(r"[0-9]{9}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0 and number != "000000000"


def valid_number(soort: str, value: str) -> bool:
    """Does `value` have the shape of a number of this kind (and pass the elfproef for BSN/RSIN)?"""
    shape = _NUMBER_SHAPES.get(soort)
    if shape is None or not re.fullmatch(shape, value):
        return False
    return soort not in ("bsn", "rsin") or eleven_test(value)
