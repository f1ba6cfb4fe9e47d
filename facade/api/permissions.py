"""Which collections a request reads: its own, every collection it expands into, and every
collection a filter walks into to compare a field (a filter is a question about that collection's
data, so a client that may not read it may not ask it either: an `icontains` filter answered
with counts would read an e-mail address out letter by letter).

A filter's path (`mapping/contract.py`) enters a collection when it follows a relation and then
reads on in the object it reached. It does not enter one when it only compares the reference
itself (`hadBetrokkene__uuid`: the klantcontact's own `hadBetrokkenen` say that), nor when the
reference carries the value (`categorieRelaties.categorieNaam`, shown inline in every partij).
Objects embedded in another (a partij's `partijIdentificatoren`) are read with their owner.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any

from facade.engine.params import ParsedQuery
from facade.engine.paths import relation_target
from mapping.contract import EMBEDDED_RELATIONS, FilterDef
from mapping.ki import MODELS, KIObject, Ref

_OWNER_OF_EMBEDDED = {embedded: "partijen" for embedded in EMBEDDED_RELATIONS}


def _classes_in(annotation: Any) -> typing.Iterator[Any]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _classes_in(argument)


def _field_classes(resource: str, field: str) -> list[type]:
    model = MODELS.get(resource)
    info = model.model_fields.get(field) if model else None
    if info is None:
        return []
    return [kind for kind in _classes_in(info.annotation) if isinstance(kind, type)]


def _carried(resource: str, field: str, following: str) -> bool:
    """Does the reference in `field` carry `following` itself (no need to read its target)?"""
    return any(
        issubclass(kind, Ref) and following in {f.name for f in dataclasses.fields(kind)} and following != "key"
        for kind in _field_classes(resource, field)
    )


def _embedded(resource: str, field: str) -> str | None:
    """The resource of objects embedded whole in `field` (a partij's `partijIdentificatoren`)."""
    for kind in _field_classes(resource, field):
        if issubclass(kind, KIObject):
            return kind.resource  # type: ignore[no-any-return]
    return None


@functools.cache
def collections_read_by(resource: str, definition: FilterDef) -> frozenset[str]:
    """The collections a filter of `resource` reads data of, `resource` itself included."""
    hops = (*definition.prefix, *definition.attribute)
    read: set[str] = set()
    current, subpath = resource, ()
    for index, hop in enumerate(hops):
        following = hops[index + 1] if index + 1 < len(hops) else None
        if hop.startswith("~"):
            current, subpath = hop[1:].partition(":")[0], ()
            read.add(current)  # the objects that refer back are read to find the reference
            continue
        if not subpath and (embedded := _embedded(current, hop)) is not None:
            current, subpath = embedded, ()
            continue
        subpath = (*subpath, hop)
        target = relation_target(current, subpath)
        if target is None:
            continue
        if following is None or _carried(current, hop, following):
            break  # only the reference is compared, or it carries the value
        current, subpath = target, ()
        read.add(current)
    return frozenset({resource} | {_OWNER_OF_EMBEDDED.get(name, name) for name in read})


def collections_read(query: ParsedQuery) -> dict[str, str]:
    """Every collection a query reads through its filters, with a parameter that reads it."""
    found: dict[str, str] = {}
    for condition in query.conditions:
        for collection in collections_read_by(query.resource.name, condition.filter):
            found.setdefault(collection, condition.filter.name)
    return found
