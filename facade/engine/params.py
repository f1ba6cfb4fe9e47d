"""Query string -> a validated `ParsedQuery`, spelled exactly as the contract spells it.

Strict on purpose where Open Klant is lax (docs/decisions/0005-strict-parameters.md): an
unknown, repeated-with-another-value or empty filter is a 400, never silently dropped, because a
dropped BSN filter would return every citizen.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from facade.errors import InvalidParam, ProblemError, validation_error
from mapping.contract import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, FilterDef, ResourceDef

# Open Klant's old identificator codes, still sent by Open Inwoner: accepted as aliases.
OBJECTTYPE_ALIASES = {"inp": "natuurlijk_persoon", "nnp": "niet_natuurlijk_persoon"}
SOORT_ALIASES = {"kvk": "kvk_nummer", "vtn": "vestigingsnummer"}
_ALIASES_BY_PART = {"codeObjecttype": OBJECTTYPE_ALIASES, "codeSoortObjectId": SOORT_ALIASES}
_LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}

Value = str | bool | dt.date | dt.datetime | uuid.UUID | tuple[str, ...]

# Typed values in one spelling only, ASCII digits: `int()`, `uuid.UUID()` and `fromisoformat()`
# also take " 1", "１", "1_0", "urn:uuid:…", "{…}", undashed hex and ISO week dates, which other
# implementations (an upstream, a cache in front of us) would read differently or not at all.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NUMBER = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?P<fraction>\.[0-9]+)?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
"""RFC 3339 `date-time` (what the served OpenAPI document declares): seconds and offset required."""
_PARAMETER_NAME = re.compile(r"(?!.*[0-9]{3})[A-Za-z][A-Za-z0-9_]{0,79}")
"""An unknown parameter is named in an error only when it looks like a name: no run of digits (a BSN)."""

MAX_EXPAND_DEPTH = 3
MAX_LIST_VALUES = 20
"""Most values in one list-valued parameter (`expand`, a comma-separated filter)."""


@dataclass(frozen=True)
class Condition:
    filter: FilterDef
    value: Value


@dataclass(frozen=True)
class ParsedQuery:
    resource: ResourceDef
    conditions: tuple[Condition, ...]
    expand: frozenset[str]
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


def _invalid(name: str, code: str, reason: str) -> ProblemError:
    return validation_error(InvalidParam(name, code, reason))


def _parse_value(definition: FilterDef, raw: str) -> Value:
    name = definition.name
    if definition.type == "boolean":
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _invalid(name, "invalid", "Selecteer een geldige keuze: true of false.")
    if definition.type == "uuid":
        value = parse_uuid(raw)
        if value is None:
            raise _invalid(name, "invalid", "Voer een geldige UUID in.")
        return value
    if definition.type == "date":
        try:
            if not _DATE.fullmatch(raw):
                raise ValueError
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise _invalid(name, "invalid", "Voer een geldige datum in (JJJJ-MM-DD).") from None
    if definition.type == "date-time":
        moment = _date_time(raw)
        if moment is None:
            raise _invalid(name, "invalid", "Voer een datum (JJJJ-MM-DD) of een datum/tijd volgens RFC 3339 in.")
        return moment
    alias_ok = raw in _ALIASES_BY_PART.get(definition.attribute[-1] if definition.attribute else "", ())
    if definition.enum is not None and raw not in definition.enum and not alias_ok:
        choices = ", ".join(definition.enum)
        raise _invalid(name, "invalid_choice", f"Selecteer een geldige keuze. Kies uit: {choices}.")
    if definition.op == "any_of":
        values = tuple(part.strip() for part in raw.split(",") if part.strip())
        if len(values) > MAX_LIST_VALUES:
            raise _invalid(name, "too_many_values", f"Geef hoogstens {MAX_LIST_VALUES} waarden.")
        return values
    return raw


def _date_time(raw: str) -> dt.datetime | None:
    """An RFC 3339 date-time, or a date (midnight, Dutch time); a leap second is read as the
    next second; an offset's "+" may arrive as a space (a client that did not encode it)."""
    if _DATE.fullmatch(raw):
        try:
            return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time(), tzinfo=_LOCAL_TIME)
        except ValueError:
            return None
    found = _DATE_TIME.fullmatch(raw.replace(" ", "+") if raw.count(" ") == 1 else raw)
    if found is None:
        return None
    second = int(found["second"])
    offset = "+00:00" if found["offset"] in "Zz" else found["offset"]
    fraction = (found["fraction"] or "")[:7]
    try:
        moment = dt.datetime.fromisoformat(f"{found['date']}T{found['time']}:{min(second, 59):02}{fraction}{offset}")
    except ValueError:
        return None
    return moment + dt.timedelta(seconds=1) if second == 60 else moment


def parse_uuid(raw: str) -> uuid.UUID | None:
    """A UUID in its canonical 8-4-4-4-12 spelling (either case), or None."""
    return uuid.UUID(raw) if _UUID.fullmatch(raw) else None


def parse_expand(resource: ResourceDef, values: Sequence[str]) -> frozenset[str]:
    """Comma-separated or repeated; a dotted value implies its parents; empty parts (`expand=,`)
    mean nothing but count towards the limit, as the served OpenAPI document says."""
    requested: set[str] = set()
    parts = [part for value in values for part in value.split(",")]
    if len(parts) > MAX_LIST_VALUES:
        raise _invalid("expand", "too_many_values", f"Geef hoogstens {MAX_LIST_VALUES} waarden voor expand.")
    unknown = 0
    for part in filter(None, parts):
        if part.count(".") >= MAX_EXPAND_DEPTH:
            raise _invalid("expand", "max_depth", f"Expand gaat hoogstens {MAX_EXPAND_DEPTH} niveaus diep.")
        if part not in resource.expand:
            unknown += 1
            continue
        pieces = part.split(".")
        requested.update(".".join(pieces[: i + 1]) for i in range(len(pieces)))
    if unknown:  # never the value itself: an error body echoes nothing a client sent
        choices = ", ".join(resource.expand)
        raise _invalid("expand", "invalid_choice", f"{unknown} waarde(n) zijn geen geldige keuze. Kies uit: {choices}.")
    return frozenset(requested)


def _page_number(name: str, raw: str) -> int:
    if not _NUMBER.fullmatch(raw):
        raise _invalid(name, "invalid", "Een geheel getal is vereist.")
    number = int(raw)
    if number < 1:
        raise _invalid(name, "invalid", "Zorg ervoor dat deze waarde groter is dan of gelijk is aan 1.")
    return number


def _apply_aliases(conditions: list[Condition]) -> list[Condition]:
    """Translate the old identificator codes, as whole (codeObjecttype, codeSoortObjectId) pairs."""
    by_group: dict[tuple[str | None, tuple[str, ...]], dict[str, int]] = {}
    for index, condition in enumerate(conditions):
        part = condition.filter.attribute[-1] if condition.filter.attribute else ""
        by_group.setdefault((condition.filter.group, condition.filter.prefix), {})[part] = index
    result = list(conditions)
    for parts in by_group.values():
        objecttype_at = parts.get("codeObjecttype")
        soort_at = parts.get("codeSoortObjectId")
        objecttype = result[objecttype_at].value if objecttype_at is not None else None
        soort = result[soort_at].value if soort_at is not None else None
        if soort == "vtn":
            # a branch is `vestiging/vestigingsnummer` now, also when sent as nnp/vtn
            objecttype = "vestiging" if objecttype in ("nnp", None) else objecttype
            soort = "vestigingsnummer"
        objecttype = OBJECTTYPE_ALIASES.get(objecttype, objecttype) if isinstance(objecttype, str) else objecttype
        soort = SOORT_ALIASES.get(soort, soort) if isinstance(soort, str) else soort
        if objecttype_at is not None:
            result[objecttype_at] = Condition(result[objecttype_at].filter, objecttype)
        if soort_at is not None:
            result[soort_at] = Condition(result[soort_at].filter, soort)
    return result


def check_known(items: Sequence[tuple[str, str]], allowed: set[str]) -> None:
    """A 400 naming every query parameter that is not allowed here (by its name only)."""
    unknown = {name for name, _ in items if name not in allowed}
    if unknown:
        raise _invalid("nonFieldErrors", "unknown-parameters", f"Onbekende query parameters: {_names(unknown)}")


def _names(unknown: set[str]) -> str:
    """Unknown parameter names as an error may say them: names that are names, never a value
    (`partijIdentificator__objectId%3D999993653` arrives as one name holding a BSN)."""
    named = sorted(name for name in unknown if _PARAMETER_NAME.fullmatch(name))
    others = len(unknown) - len(named)
    if others:
        named.append(f"{others} parameter(s) met een ongeldige naam")
    return ", ".join(named)


def parse_query(resource: ResourceDef, items: Sequence[tuple[str, str]], *, detail: bool) -> ParsedQuery:
    """Validate the query string of a list (`detail=False`) or detail GET of `resource`."""
    allowed: set[str] = {"expand"} if resource.expand else set()
    if not detail:
        allowed |= {"page", "pageSize", *resource.filters}
    check_known(items, allowed)

    expand = parse_expand(resource, [value for name, value in items if name == "expand"])
    seen: dict[str, str] = {}
    page, page_size = 1, PAGE_SIZE_DEFAULT
    conditions: list[Condition] = []
    for name, raw in items:
        if name == "expand":
            continue
        if name in seen:
            if seen[name] != raw:
                raise _invalid(name, "invalid", "Deze parameter mag maar één waarde hebben.")
            continue
        seen[name] = raw
        if name == "page":
            page = _page_number(name, raw)
        elif name == "pageSize":
            page_size = min(_page_number(name, raw), PAGE_SIZE_MAX)
        else:
            if raw == "":
                raise _invalid(name, "blank", "Dit veld mag niet leeg zijn.")
            definition = resource.filters[name]
            conditions.append(Condition(definition, _parse_value(definition, raw)))
    return ParsedQuery(resource, tuple(_apply_aliases(conditions)), expand, page, page_size)
