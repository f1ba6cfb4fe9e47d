"""Which identificator holds a BSN: one rule for every identificator kind, in filters and answers.

The contract has four identificator groups with the same parts (`partijIdentificator`,
`onderwerpobjectidentificator`, `bijlageidentificator`, `actoridentificator`). Only the first
has fixed codes; the others are free text, so a BSN can stand there under many spellings
(Open Klant's own example for an actor is `Burgerservicenummer` in the `BRP`). The rule, on
purpose on the safe side (docs/decisions/0011-bsn-and-processing-log.md):

- the kind (`codeSoortObjectId`) names a BSN in any spelling (`bsn`, `BSN`, `inp.bsn`,
  `Burgerservicenummer`, full-width letters), or no kind is given for a natural person
  (`natuurlijk_persoon`, old `inp`, `INGESCHREVEN NATUURLIJK PERSOON`); or
- the value could be a BSN (8 or 9 significant digits in any script, separators ignored) and
  the kind does not name another number it can be (`kvk_nummer`, `rsin`, `vestigingsnummer`,
  ...; a kind such as `uuid` or `email` names nothing a bare number can be).

Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import typing
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from mapping.ki import Identificator, PartijIdentificatorGroep

IDENTIFICATOR_GROUPS = frozenset(
    {"partijIdentificator", "onderwerpobjectidentificator", "bijlageidentificator", "actoridentificator"}
)
"""The field names of the contract's identificator groups, wherever they are nested."""

_BSN_KINDS = frozenset({"bsn", "burgerservicenummer", "inpbsn", "bsnnummer"})
_NATURAL_PERSON = frozenset(
    {"natuurlijkpersoon", "inp", "np", "ingeschrevennatuurlijkpersoon", "ingeschrevenpersoon", "persoon"}
)
_OTHER_KINDS = frozenset(
    {"kvknummer", "kvk", "rsin", "vestigingsnummer", "vtn", "telefoonnummer", "anummer", "zaakidentificatie"}
)
"""Kinds of number that a BSN-shaped value can truly be. A kind whose values are never a bare
number (`uuid`, `email`, `url`) protects nothing: nine digits under it are no UUID or e-mail
address, but could be a BSN, as under any code a client or an upstream may choose."""
_SEPARATORS = frozenset(" \t\r\n\u00a0.-_/")


_FOLDED_CODES: dict[str, str] = {}
"""`_code` of codes seen before (an answer repeats a few codes thousands of times); only codes
without a digit, so never a value that could be a BSN; bounded."""
_FOLDED_CODES_MAX = 1024


def _code(value: Any) -> str:
    """A code as compared here: NFKC (full-width letters fold), case-folded, letters and digits only."""
    if not isinstance(value, str):
        return ""
    if (known := _FOLDED_CODES.get(value)) is not None:
        return known
    folded = "".join(c for c in unicodedata.normalize("NFKC", value).casefold() if c.isalnum())
    if (folded.isalpha() or not folded) and len(_FOLDED_CODES) < _FOLDED_CODES_MAX:
        _FOLDED_CODES[value] = folded
    return folded


def ascii_digits(value: Any) -> str | None:
    """The value's decimal digits in ASCII (any script's digits, separators ignored), or None
    when it holds anything else."""
    if not isinstance(value, str):
        return None
    kept = [c for c in value if c not in _SEPARATORS]
    if not kept or not all(c.isdecimal() for c in kept):
        return None
    return "".join(str(unicodedata.decimal(c)) for c in kept)


def may_be_bsn(value: Any) -> bool:
    """Could this value be a BSN, as a source might read it (leading zeros dropped or added)?"""
    digits = ascii_digits(value)
    return digits is not None and len(digits) >= 8 and 0 < len(digits.lstrip("0")) <= 9


def names_a_bsn(kind: Any, objecttype: Any = None) -> bool:
    """Do these codes say the objectId is a BSN?"""
    code = _code(kind)
    return code in _BSN_KINDS or (not code and _code(objecttype) in _NATURAL_PERSON)


def is_bsn(kind: Any, objecttype: Any, value: Any) -> bool:
    """Is (or could be) this identificator's value a BSN? Used for filters and answers alike."""
    if not isinstance(value, str) or not value:
        return False
    return names_a_bsn(kind, objecttype) or (_code(kind) not in _OTHER_KINDS and may_be_bsn(value))


def group_is_bsn(group: Mapping[str, Any]) -> bool:
    """`is_bsn` for one rendered or raw identificator group."""
    return is_bsn(group.get("codeSoortObjectId"), group.get("codeObjecttype"), group.get("objectId"))


def canonical_bsn(value: str) -> str:
    """The form a BSN is hashed in for the processing log: ASCII digits, nine of them when it
    has at most nine; any other value as it is."""
    digits = ascii_digits(value)
    if digits is None:
        return value
    significant = digits.lstrip("0")
    return significant.rjust(9, "0") if len(significant) <= 9 else digits


# --- identificators in model objects -------------------------------------------------------------


_GROUP_TYPES = (Identificator, PartijIdentificatorGroep)


def _classes_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _classes_in(argument)


@functools.cache
def _group_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields of a model that hold an identificator group, directly or in nested models."""
    found = []
    for name, info in model.model_fields.items():
        for kind in _classes_in(info.annotation):
            if isinstance(kind, type) and issubclass(kind, _GROUP_TYPES):
                found.append(name)
                break
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind is not model and _group_fields(kind):
                found.append(name)
                break
    return tuple(found)


def bsns_of(value: Any) -> Iterator[str]:
    """Every BSN value in a model object (its identificators, nested ones included)."""
    if isinstance(value, _GROUP_TYPES):
        if is_bsn(value.codeSoortObjectId, value.codeObjecttype, value.objectId):
            yield value.objectId
    elif isinstance(value, list):
        for element in value:
            yield from bsns_of(element)
    elif isinstance(value, BaseModel):
        for name in _group_fields(type(value)):
            yield from bsns_of(getattr(value, name))
