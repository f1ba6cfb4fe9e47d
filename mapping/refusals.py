"""An upstream's refusal of a write, in the façade's own words: pure.

An upstream's `invalidParams` reason may echo the value it refused (a BSN in any spelling: with
separators, in full-width digits), and its field names and codes are text of its choosing too.
A client gets a field name only when it is shaped as one (`partijIdentificator.objectId`,
`onderwerpLinks.0`), a code only when it is shaped as one, and a reason of the façade's.
"""

from __future__ import annotations

import re

REASONS = {
    "required": ("required", "vereist in deze bron"),
    "null": ("required", "vereist in deze bron"),
    "blank": ("blank", "mag in deze bron niet leeg zijn"),
    "max_length": ("max_length", "te lang voor deze bron"),
    "min_length": ("min_length", "te kort voor deze bron"),
    "invalid_choice": ("invalid_choice", "geen geldige keuze in deze bron"),
    "bad-url": ("does_not_exist", "bestaat niet in deze bron"),
    "does_not_exist": ("does_not_exist", "bestaat niet in deze bron"),
    "unique": ("unique", "bestaat al in deze bron"),
}
"""Upstream code -> (the code Open Klant uses for it, the façade's reason)."""
DEFAULT = ("invalid", "ongeldig volgens deze bron")

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}(\.([A-Za-z_][A-Za-z0-9_]{0,60}|[0-9]{1,4}))*")
_CODE = re.compile(r"[a-z][a-z_-]{0,39}")


def in_own_words(code: object) -> tuple[str, str]:
    """(code, reason) for an upstream's code: Open Klant's code and the façade's reason."""
    return REASONS.get(str(code), DEFAULT)


def field_name(name: object) -> str | None:
    """The name if it is shaped as a field path (at most 200 characters), else None."""
    return name if isinstance(name, str) and len(name) <= 200 and _FIELD.fullmatch(name) else None


def code_name(code: object) -> str:
    """The code if it is shaped as one, else `invalid`."""
    return code if isinstance(code, str) and _CODE.fullmatch(code) else "invalid"
