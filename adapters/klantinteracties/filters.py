"""Which contract filters go upstream, how exactly, and as which query parameters.

The upstream speaks the same contract, so every filter is pushed down under its own name. A
filter is `EXACT` when Open Klant applies it to the record's own fields or through a to-one
relation, or names one related object by uuid. It is `LOOSE` when Open Klant may answer more,
or the same record twice, than the contract's meaning:

- identificator parts reached through a relation: Open Klant matches each part on its own,
  through its own join (ADR 4), so a partij with two identificators can match, and be listed,
  more than once;
- other conditions over to-many relations that one record can meet several times;
- case-insensitive `icontains` (the database's case folding is not Python's);
- the `codeObjecttype`/`codeSoortObjectId` codes, which an older upstream may hold in the
  legacy dialect.

Of a group of identificator parts reached through a relation only the most selective part is
sent (`objectId` first): one join, so no duplicates from the others, and a value that is the
same in both dialects. The engine re-checks the whole group.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping

from adapters.api import FilterValue, Pushdown, ResourceSupport, UuidKey, WriteSupport
from adapters.klantinteracties.dialect import Dialect
from mapping.codes import objecttype_to_legacy, soort_to_legacy
from mapping.contract import RESOURCES, FilterDef

E, L = Pushdown.EXACT, Pushdown.LOOSE

# Part names, longest first: "codeSoortObjectId" also ends with "objectid".
_PARTS = ("codesoortobjectid", "codeobjecttype", "coderegister", "objectid")
_PREFERENCE = ("objectid", "codesoortobjectid", "codeobjecttype", "coderegister")

# Conditions over to-many relations that one record can meet more than once in Open Klant.
_REPEATING = frozenset(
    {
        "hadBetrokkene__wasPartij",
        "hadBetrokkene__wasPartij__uuid",
        "leiddeTotInterneTaken",
        "categorierelatie__categorie__naam",
        "actoren__naam",
        "verstrektedigitaalAdres__adres",
    }
)
ORDERED = frozenset({"klantcontacten"})
"""Open Klant lists klantcontacten newest first (plaatsgevondenOp); internetaken newest *created* first."""


def part_of(name: str) -> str | None:
    lowered = name.lower()
    return next((part for part in _PARTS if lowered.endswith(part)), None)


def _is_partij_code(resource: str, definition: FilterDef) -> bool:
    """A part of a *partij* identificator (not an onderwerpobject's, bijlage's or actor's)."""
    return definition.group is not None and (
        resource == "partij-identificatoren" or "partijIdentificator" in definition.attribute
    )


def _through_relation(definition: FilterDef) -> bool:
    return definition.group is not None and bool(definition.prefix)


def how(resource: str, definition: FilterDef) -> Pushdown:
    if definition.op == "icontains" or definition.name in _REPEATING or _through_relation(definition):
        return L
    if _is_partij_code(resource, definition) and part_of(definition.name) in ("codeobjecttype", "codesoortobjectid"):
        return L
    return E


def _support(resource: str) -> ResourceSupport:
    pushdown = {
        name: how(resource, definition)
        for name, definition in RESOURCES[resource].filters.items()
        if not name.endswith("__url")  # the engine hands these in as `<x>__uuid`
    }
    return ResourceSupport(
        pushdown=pushdown,
        key_formats=(UuidKey(),),
        ordered=resource in ORDERED,
        max_page=500,
        writes=WriteSupport(create=True, update=True, delete=True),  # passed through: every field
    )


RESOURCE_SUPPORT: dict[str, ResourceSupport] = {resource: _support(resource) for resource in RESOURCES}


# --- filter values -> query parameters ---------------------------------------------------------


def _text(value: FilterValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _legacy(name: str, value: str) -> str:
    part = part_of(name)
    if part == "codesoortobjectid":
        return soort_to_legacy(value)
    if part == "codeobjecttype":
        return objecttype_to_legacy(value)  # `vestiging` becomes `nnp`: loose, the engine re-checks
    return value


def _group_key(resource: str, name: str) -> tuple[str, str] | None:
    definition = RESOURCES[resource].filters.get(name)
    part = part_of(name)
    if definition is None or definition.group is None or part is None:
        return None
    return definition.group, name[: len(name) - len(part)].lower()


def upstream_params(resource: str, filters: Mapping[str, FilterValue], dialect: Dialect) -> list[dict[str, str]]:
    """The query parameters per upstream query: one query per combination of uuid keys given."""
    fixed: dict[str, str] = {}
    groups: dict[tuple[str, str], dict[str, str]] = {}
    keyed: list[tuple[str, list[str]]] = []
    for name, value in filters.items():
        if isinstance(value, frozenset):
            keyed.append((name, sorted(value)))
        elif (group := _group_key(resource, name)) is not None:
            groups.setdefault(group, {})[name] = _text(value)
        else:
            fixed[name] = _text(value)
    for parts in groups.values():
        fixed.update(_group_params(resource, parts, dialect))
    if any(not keys for _, keys in keyed):
        return []  # a uuid filter that names nothing in this source
    names = [name for name, _ in keyed]
    return [
        fixed | dict(zip(names, combination, strict=True)) for combination in itertools.product(*(k for _, k in keyed))
    ]


def _group_params(resource: str, parts: dict[str, str], dialect: Dialect) -> dict[str, str]:
    by_part = {part_of(name): name for name in parts}
    definition = RESOURCES[resource].filters[next(iter(parts))]
    partij_codes = _is_partij_code(resource, definition)
    if _through_relation(definition):
        # one part only: one join upstream; the engine checks the rest
        name = next(by_part[part] for part in _PREFERENCE if part in by_part)
        chosen = {name: parts[name]}
    elif partij_codes and dialect == "legacy" and "objectid" in by_part:
        # the record may hold either dialect's codes: find it by value, the engine checks the codes
        chosen = {name: value for name, value in parts.items() if part_of(name) in ("objectid", "coderegister")}
    else:
        chosen = dict(parts)
    if partij_codes and dialect == "legacy":
        chosen = {name: _legacy(name, value) for name, value in chosen.items()}
    return chosen
